// Checks every answer the test suites received (tests/support/answer_log.h)
// against the OpenAPI document of the service that gave it, so that the
// documents cannot drift from the code:
//   - the path and method are documented, or the answer is the document's
//     "answers of every route" (404 Not found, 405 with Allow);
//   - the status is one the operation lists, after undoing the status-line
//     policy the service ran with (api-contract.md);
//   - the Content-Type is one the response lists, a JSON body validates
//     against the response's schema, a response without content has no body;
//   - the headers the response marks required are present.
// Then it lists, per document, each documented status that no answer
// showed; with --require-every-status, one that is not in the
// `unseen` allowance below fails the check too.
//   node check-answers.mjs DOCS_DIR ANSWERS_DIR [--require-every-status]
import fs from "node:fs";
import path from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv from "ajv";
import addFormats from "ajv-formats";

// Documented statuses that no answer needs to show, and why.
const unseen = {};
// Statuses the server kit (core/server) gives before any route runs, the
// same code for every path of a service: seen on one path of a document,
// they count as seen on all of its paths.
const beforeRouting = new Set(["431"]);

const [docsDir, answersDir, ...flags] = process.argv.slice(2);
if (!docsDir || !answersDir) {
  console.error("usage: node check-answers.mjs DOCS_DIR ANSWERS_DIR [--require-every-status]");
  process.exit(2);
}
const requireEveryStatus = flags.includes("--require-every-status");

const documents = {};
for (const name of ["service-b", "stub-a"]) {
  documents[name] = await SwaggerParser.dereference(path.join(docsDir, `${name}.yaml`));
}

// OpenAPI 3.0 schemas: `nullable` is understood by Ajv, `example` and the
// like are annotations.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validators = new Map();
function validatorFor(schema) {
  if (!validators.has(schema)) validators.set(schema, ajv.compile(schema));
  return validators.get(schema);
}

function templateRegex(template) {
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}/]+\}/g, "[^/]+");
  return new RegExp(`^${pattern}$`);
}
const routes = {};
for (const [name, document] of Object.entries(documents)) {
  routes[name] = Object.keys(document.paths).map((template) => ({
    template,
    regex: templateRegex(template),
    item: document.paths[template],
  }));
}

const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
// The two task endpoints are the ones a status-line policy changes.
const policyOperations = new Set(["createTask", "getTaskStatus"]);
// Refusals keep their status line under every policy (api-contract.md).
const keepStatusLine = new Set([401, 403, 411, 429, 431, 503]);

function header(answer, name) {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(answer.headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function parseJson(body) {
  try {
    return { value: JSON.parse(body) };
  } catch (error) {
    return { error: `body is not JSON: ${error.message}` };
  }
}

// The answer of every route: exactly this body.
function checkFixedAnswer(answer, status, message) {
  const problems = [];
  if (answer.status !== status) problems.push(`status ${answer.status}, documented ${status}`);
  const body = parseJson(answer.body);
  if (body.error) {
    problems.push(body.error);
  } else if (body.value.code !== status || body.value.message !== message || Object.keys(body.value).length !== 2) {
    problems.push(`body ${answer.body}, documented {"code":${status},"message":"${message}"}`);
  }
  return problems;
}

// The documented status an answer stands for, under its service's
// status-line policy; `bare` when the policy dropped the body.
function documentedStatus(answer, operation) {
  if (answer.document !== "service-b" || !policyOperations.has(operation.operationId)) {
    return { status: answer.status };
  }
  if (answer.policy === "envelope" && !keepStatusLine.has(answer.status)) {
    if (answer.status !== 200) return { problem: `HTTP ${answer.status} under envelope` };
    const body = parseJson(answer.body);
    if (body.error) return { problem: body.error };
    return { status: body.value.code === 204 ? 202 : body.value.code };
  }
  if (answer.policy === "bare204" && answer.status === 204) return { status: 202, bare: true };
  if (answer.policy === "mirror" && answer.status === 204) return { problem: "HTTP 204 under mirror" };
  return { status: answer.status };
}

function checkAgainstOperation(answer, operation) {
  const problems = [];
  const documented = documentedStatus(answer, operation);
  if (documented.problem) return { problems: [documented.problem] };
  const response = operation.responses[String(documented.status)];
  if (!response) {
    return { problems: [`status ${documented.status} is not documented for ${operation.operationId}`] };
  }
  for (const [name, spec] of Object.entries(response.headers ?? {})) {
    if (spec.required && header(answer, name) === undefined) problems.push(`header ${name} missing`);
  }
  if (documented.bare || !response.content) {
    if (answer.body !== "") problems.push(`a body where none is documented: ${answer.body.slice(0, 120)}`);
    return { problems, status: documented.status };
  }
  // A documented media type with parameters must match them too.
  const normalise = (type) => type.toLowerCase().split(";").map((part) => part.trim()).join("; ");
  const contentType = normalise(header(answer, "Content-Type") ?? "");
  const documentedType = Object.keys(response.content).find(
    (type) => normalise(type) === contentType || normalise(type) === contentType.split("; ")[0]);
  const media = documentedType && response.content[documentedType];
  if (!media) {
    problems.push(`Content-Type "${contentType}", documented ${Object.keys(response.content).join(", ")}`);
  } else if (documentedType === "application/json" && media.schema) {
    const body = parseJson(answer.body);
    if (body.error) {
      problems.push(body.error);
    } else {
      const validate = validatorFor(media.schema);
      if (!validate(body.value)) {
        problems.push(`body ${answer.body.slice(0, 200)} breaks the schema: ${ajv.errorsText(validate.errors)}`);
      }
    }
  }
  return { problems, status: documented.status };
}

// An unknown caller is refused before any route is looked for: a path no
// route knows and a method a path does not take answer 401 too.
function checkUnrouted(answer, status, message, key) {
  if (answer.document === "service-b" && answer.status === 401) {
    const problems = checkFixedAnswer(answer, 401, "Unauthorized");
    if (header(answer, "WWW-Authenticate") !== "Bearer") problems.push("401 without WWW-Authenticate: Bearer");
    return { problems, key: `${answer.document} ${key} 401` };
  }
  const problems = checkFixedAnswer(answer, status, message);
  if (status === 405 && header(answer, "Allow") === undefined) problems.push("405 without Allow");
  return { problems, key: `${answer.document} ${key} ${status}` };
}

function check(answer) {
  const target = answer.target.split("?")[0];
  const route = routes[answer.document].find((candidate) => candidate.regex.test(target));
  if (!route) return checkUnrouted(answer, 404, "Not found", "(no path)");
  const method = answer.method.toLowerCase();
  const operation = methods.includes(method) ? route.item[method] : undefined;
  if (!operation) return checkUnrouted(answer, 405, "Method not allowed", "(other method)");
  const result = checkAgainstOperation(answer, operation);
  return {
    problems: result.problems,
    key: `${answer.document} ${answer.method.toUpperCase()} ${route.template} ${result.status ?? answer.status}`,
  };
}

const files = fs.existsSync(answersDir)
  ? fs.readdirSync(answersDir).filter((name) => name.endsWith(".jsonl"))
  : [];
let answers = 0;
let failures = 0;
const seen = new Map();
for (const file of files) {
  const lines = fs.readFileSync(path.join(answersDir, file), "utf8").split("\n").filter(Boolean);
  for (const line of lines) {
    const answer = JSON.parse(line);
    answers += 1;
    const { problems, key } = check(answer);
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (problems.length > 0) {
      failures += 1;
      if (failures <= 50) {
        console.log(`MISMATCH ${answer.method} ${answer.target} -> ${answer.status} (${answer.document}, ${answer.policy}): ${problems.join("; ")}`);
      }
    }
  }
}

const missing = [];
for (const [name, document] of Object.entries(documents)) {
  for (const [template, item] of Object.entries(document.paths)) {
    for (const method of methods) {
      if (!item[method]) continue;
      for (const status of Object.keys(item[method].responses)) {
        const key = `${name} ${method.toUpperCase()} ${template} ${status}`;
        if (seen.has(key)) continue;
        const seenOnAnotherPath = [...seen.keys()].some(
          (other) => other.startsWith(`${name} `) && other.endsWith(` ${status}`));
        if (beforeRouting.has(status) && seenOnAnotherPath) continue;
        const reason = unseen[key];
        console.log(`unseen   ${key}${reason ? ` (allowed: ${reason})` : ""}`);
        if (reason === undefined) missing.push(key);
      }
    }
  }
}
for (const [key, count] of [...seen.entries()].sort()) console.log(`seen     ${key}: ${count}`);

const unseenFails = requireEveryStatus ? missing.length : 0;
console.log(`openapi-answers: ${answers} answers in ${files.length} files, ${failures} not as documented, ` +
            `${missing.length} documented statuses never seen`);
if (answers === 0) {
  console.log("openapi-answers: FAILED: no answers recorded");
  process.exit(1);
}
process.exit(failures > 0 || unseenFails > 0 ? 1 : 0);
