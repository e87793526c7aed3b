import {
  getNamedType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
} from "graphql";

/**
 * The graph's conventions (docs/api.md), checked over the API schema a client sees:
 *
 * - a list that can grow is a connection: `edges { cursor node }`, `nodes`,
 *   `pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`, paged by `first`/`after`
 *   and `last`/`before`; a list known to stay small is allowed by name, with its reason;
 * - a root field returning an object is nullable (a missing object must not wipe the answer);
 * - instants and URLs have their scalar (`DateTime`, `URL`), never `String`: a field or argument
 *   named `…At`, `…Url`, `…Date` (and `from`, `to`, `url`, `date`, `periodEnd`, `trialEnd`, …).
 *
 * Each violation is one line, `rule: Type.field`.
 */
export interface ConventionOptions {
  /** `Type.field` of lists that stay small, each with why. */
  boundedLists: Readonly<Record<string, string>>;
}

const PAGE_INFO_FIELDS = ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"];
const PAGING_ARGUMENTS = ["first", "after", "last", "before"];
const TIME_OR_URL_NAME =
  /(At|Url|URL|Date)$|^(url|date|from|to|periodEnd|trialEnd|createdFrom|createdTo|updatedFrom|updatedTo)$/;

const isList = (type: GraphQLType): boolean => isListType(isNonNullType(type) ? type.ofType : type);

function connectionProblems(type: GraphQLObjectType): string[] {
  const fields = type.getFields();
  const problems: string[] = [];
  const edges = fields.edges && getNamedType(fields.edges.type);
  if (!fields.edges || !isList(fields.edges.type) || !isObjectType(edges)) problems.push("no edges list");
  else {
    const edgeFields = edges.getFields();
    if (!edgeFields.cursor || !edgeFields.node) problems.push("edges without cursor and node");
  }
  if (!fields.nodes || !isList(fields.nodes.type)) problems.push("no nodes list");
  const pageInfo = fields.pageInfo && getNamedType(fields.pageInfo.type);
  if (!fields.pageInfo || !isNonNullType(fields.pageInfo.type) || !isObjectType(pageInfo)) {
    problems.push("no pageInfo");
  } else {
    const missing = PAGE_INFO_FIELDS.filter((name) => !pageInfo.getFields()[name]);
    if (missing.length > 0) problems.push(`pageInfo without ${missing.join(", ")}`);
  }
  return problems;
}

const isConnection = (type: GraphQLType): boolean => {
  const named = getNamedType(type);
  return isObjectType(named) && named.name.endsWith("Connection");
};

function timeOrUrlProblem(owner: string, item: GraphQLField<unknown, unknown> | GraphQLInputField | GraphQLArgument) {
  const named = getNamedType(item.type);
  return TIME_OR_URL_NAME.test(item.name) && isScalarType(named) && named.name === "String"
    ? [`string time or URL: ${owner}`]
    : [];
}

export function conventionViolations(schema: GraphQLSchema, options: ConventionOptions): string[] {
  const violations: string[] = [];
  const queryType = schema.getQueryType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__")) continue;
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        violations.push(...timeOrUrlProblem(`${type.name}.${field.name}`, field));
      }
      continue;
    }
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    if (isObjectType(type) && type.name.endsWith("Connection")) {
      for (const problem of connectionProblems(type)) violations.push(`connection shape: ${type.name} (${problem})`);
    }
    const inConnection = type.name.endsWith("Connection");
    for (const field of Object.values(type.getFields())) {
      const name = `${type.name}.${field.name}`;
      violations.push(...timeOrUrlProblem(name, field));
      for (const argument of field.args) violations.push(...timeOrUrlProblem(`${name}(${argument.name})`, argument));
      if (isList(field.type) && !inConnection && !(name in options.boundedLists)) {
        violations.push(`list without a connection: ${name}`);
      }
      if (isConnection(field.type)) {
        const missing = PAGING_ARGUMENTS.filter((argument) => !field.args.some((a) => a.name === argument));
        if (missing.length > 0) violations.push(`connection without ${missing.join("/")}: ${name}`);
      }
      if (type === queryType && isNonNullType(field.type) && isObjectType(field.type.ofType)) {
        violations.push(`non-null root object: ${name}`);
      }
    }
  }
  for (const name of Object.keys(options.boundedLists)) {
    const [typeName, fieldName] = name.split(".");
    const type = typeName ? schema.getType(typeName) : undefined;
    const field =
      type && (isObjectType(type) || isInterfaceType(type)) && fieldName ? type.getFields()[fieldName] : undefined;
    if (!field || !isList(field.type)) violations.push(`allowed list that is not a list of the schema: ${name}`);
  }
  return violations.sort();
}
