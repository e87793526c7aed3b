-- docker-compose only: one database per service (npm start creates them itself).
CREATE DATABASE support_identity;
CREATE DATABASE support_workspace;
CREATE DATABASE support_ticketing;
CREATE DATABASE support_billing;
CREATE DATABASE support_audit;
