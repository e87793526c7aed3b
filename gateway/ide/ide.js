// GraphiQL's bootstrap, served as a file (the page's CSP allows no inline script). React,
// ReactDOM and GraphiQL are the UMD globals the page loads before this file (docs/adr/0019).
/* global React, ReactDOM, GraphiQL */
"use strict";

(function () {
  const tokenField = document.getElementById("ide-token");
  const status = document.getElementById("ide-status");

  const DEFAULT_QUERY = `# Paste a session token (logIn / signUp) or an API key in the field above,
# or set an Authorization header in the Headers tab below (it wins over the field).
query Me {
  me {
    id
    email
  }
}
`;

  /** The field's credential as an Authorization value; a pasted "Bearer …" is taken as it is. */
  function authorizationFromField() {
    const value = tokenField.value.trim();
    if (!value) return undefined;
    return /^bearer\s/i.test(value) ? value : `Bearer ${value}`;
  }

  function showStatus(text, failed) {
    status.textContent = text;
    status.classList.toggle("failed", failed);
  }

  /**
   * Every operation is a POST to this gateway's /graphql. The answer's JSON goes to the result
   * pane as the gateway sent it, errors included (401 UNAUTHENTICATED, 400 validation); an answer
   * that is not JSON, or no answer, becomes an error there that says what happened.
   */
  async function fetcher(params, options) {
    const headers = { "content-type": "application/json", accept: "application/json" };
    const authorization = authorizationFromField();
    if (authorization) headers.authorization = authorization;
    // The Headers tab's values win over the field (an Authorization set there replaces it).
    for (const [name, value] of Object.entries((options && options.headers) || {}))
      headers[name.toLowerCase()] = String(value);
    const introspection = params.operationName === "IntrospectionQuery";
    const started = performance.now();
    let response;
    try {
      response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify(params) });
    } catch (error) {
      showStatus("no answer", true);
      return { errors: [{ message: `The gateway could not be reached: ${error.message}` }] };
    }
    const text = await response.text();
    if (!introspection)
      showStatus(`HTTP ${response.status} in ${Math.round(performance.now() - started)} ms`, !response.ok);
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: `HTTP ${response.status} from the gateway, not JSON: ${text.slice(0, 500)}` }] };
    }
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: DEFAULT_QUERY,
      isHeadersEditorEnabled: true,
      // Credentials typed into the Headers tab are not written to localStorage.
      shouldPersistHeaders: false,
    }),
  );
})();
