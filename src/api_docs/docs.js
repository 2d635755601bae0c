// The /docs page's script: fetch /openapi.json, draw one card per operation (parameters,
// request body schema, responses) with a "Try it" form, and the shared schemas below.
// Plain DOM, no library. Text from the document always goes in as text, never as HTML.
"use strict";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
let spec = {};

// el("p", {class: "x"}, "text", child): a new element with attributes and children.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// Text with `code` spans, as the document writes it (a tiny part of Markdown).
function richText(text) {
  return String(text).split("`").map((part, i) => (i % 2 ? el("code", {}, part) : part));
}

// Paragraphs and "- " bullet lists of a description.
function description(text) {
  const box = el("div", { class: "description" });
  for (const block of String(text || "").split("\n\n")) {
    const lines = block.split("\n");
    const intro = lines.filter((line) => !line.startsWith("- "));
    const items = lines.filter((line) => line.startsWith("- "));
    if (intro.length) box.append(el("p", {}, richText(intro.join(" "))));
    if (items.length) box.append(el("ul", {}, items.map((line) => el("li", {}, richText(line.slice(2))))));
  }
  return box;
}

// "#/components/schemas/UserCreate" -> the object it points at.
function lookup(ref) {
  return ref.slice(2).split("/")
    .map((key) => key.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((node, key) => (node ? node[key] : undefined), spec);
}
function resolve(node) {
  let depth = 0;
  while (node && node.$ref && depth++ < 10) node = lookup(node.$ref);
  return node || {};
}
const refName = (ref) => ref.split("/").pop();
const isObject = (schema) => schema.type === "object" || schema.properties !== undefined;

// One line for a schema's type: "string, at most 100 characters", "integer | boolean | string".
function typeLine(schema) {
  if (schema.$ref) {
    const target = resolve(schema);
    return isObject(target) ? refName(schema.$ref) : typeLine(target);
  }
  if (schema.anyOf) return schema.anyOf.map(typeLine).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.type === "array") return `array of ${typeLine(schema.items || {})}`;
  const parts = [[].concat(schema.type || "any").join(" | ")];
  if (schema.format) parts.push(`(${schema.format})`);
  if (schema.maxLength !== undefined) parts.push(`≤ ${schema.maxLength} chars`);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.pattern) parts.push("(pattern)");
  return parts.join(" ");
}

// A schema as a nested list of properties, like Swagger UI's "Schema" view.
function schemaView(schema, depth = 0) {
  const target = resolve(schema);
  if (target.type === "array") return schemaView(target.items || {}, depth);
  if (!isObject(target) || depth > 3) return el("span", { class: "type" }, typeLine(schema));
  const required = new Set(target.required || []);
  const list = el("ul", { class: "props" });
  for (const [name, prop] of Object.entries(target.properties || {})) {
    const resolved = resolve(prop);
    list.append(el("li", {},
      el("code", {}, name), " ", el("span", { class: "type" }, typeLine(prop)),
      required.has(name) ? el("span", { class: "required" }, " required") : null,
      resolved.description ? el("span", { class: "desc" }, richText(resolved.description)) : null,
      isObject(resolved) ? schemaView(resolved, depth + 1) : null));
  }
  return list;
}

// The JSON a media type shows as its example: `example`, else the first of `examples`.
function examplesOf(media) {
  if (!media) return {};
  if (media.example !== undefined) return { example: { value: media.example } };
  return media.examples || {};
}
const pretty = (value) => JSON.stringify(value, null, 2);

function responsesTable(responses) {
  const rows = Object.entries(responses || {}).map(([code, response]) => {
    response = resolve(response);
    const media = (response.content || {})["application/json"];
    const first = Object.values(examplesOf(media))[0];
    return el("tr", {},
      el("td", { class: "code" }, code),
      el("td", {}, richText(response.description || ""),
        Object.keys(response.headers || {}).map((h) => el("div", { class: "muted" }, "Header ", el("code", {}, h))),
        media ? schemaView(media.schema || {}) : null,
        first ? el("pre", {}, pretty(first.value)) : null));
  });
  return el("table", {}, el("tr", {}, el("th", {}, "Status"), el("th", {}, "Meaning, schema, example")), rows);
}

// A body field's text becomes JSON: as typed for string-only fields; otherwise parsed
// when it parses (28, true, "28") and sent as a string when it does not (not-a-number).
function fieldValue(text, schema) {
  if (resolve(schema).type === "string") return text;
  try { return JSON.parse(text); } catch { return text; }
}

// The "Try it" form of one operation: a field per path or query parameter (a query
// field left empty is not sent), a field per body property (kept in step with a raw
// JSON box that is what gets sent), and Send.
function tryItForm(path, method, operation) {
  const form = el("form", { class: "try" });
  const params = (operation.parameters || []).map(resolve).filter((p) => p.in === "path" || p.in === "query");
  const paramInputs = params.map((p) => {
    const input = el("input", { name: p.name, value: p.example ?? "" });
    form.append(el("label", {}, el("span", {}, el("code", {}, p.name), ` (${p.in})`), input));
    return [p, input];
  });
  const media = ((operation.requestBody || {}).content || {})["application/json"];
  let bodyBox = null;
  if (media) {
    const schema = resolve(media.schema || {});
    const examples = examplesOf(media);
    const fields = Object.entries(schema.properties || {}).map(([name, prop]) => {
      const input = el("input", { name, "data-field": name });
      form.append(el("label", {}, el("span", {}, el("code", {}, name)), input));
      return [name, prop, input];
    });
    bodyBox = el("textarea", { name: "body", spellcheck: "false" });
    const syncBody = () => {
      const body = {};
      for (const [name, prop, input] of fields) {
        if (input.value !== "") body[name] = fieldValue(input.value, prop);
      }
      bodyBox.value = pretty(body);
    };
    const fill = (value) => {
      for (const [name, , input] of fields) {
        const v = (value || {})[name];
        input.value = v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
      }
      syncBody();
    };
    fields.forEach(([, , input]) => input.addEventListener("input", syncBody));
    const names = Object.keys(examples);
    if (names.length > 1) {
      const picker = el("select", {}, names.map((n) => el("option", { value: n }, examples[n].summary || n)));
      picker.addEventListener("change", () => fill(examples[picker.value].value));
      form.prepend(el("label", {}, el("span", {}, "Example"), picker));
    }
    fill(names.length ? examples[names[0]].value : {});
    form.append(el("label", {}, el("span", {}, "Body sent", el("br"), el("small", { class: "muted" }, "(editable)")), bodyBox));
  }
  const button = el("button", { type: "submit" }, "Send");
  const result = el("div", { class: "result", "aria-live": "polite" });
  form.append(button, result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let url = path;
    const query = new URLSearchParams();
    for (const [p, input] of paramInputs) {
      if (p.in === "path") url = url.replace(`{${p.name}}`, encodeURIComponent(input.value));
      else if (input.value !== "") query.append(p.name, input.value);
    }
    if (query.size) url += `?${query}`;
    button.disabled = true;
    try {
      await send(method, url, bodyBox ? bodyBox.value : null, result);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// Sends the request and shows status, headers and body, plus the same request as curl.
async function send(method, url, body, result) {
  const init = { method: method.toUpperCase(), headers: {} };
  if (body !== null) {
    init.headers["content-type"] = "application/json";
    init.body = body;
  }
  const started = performance.now();
  result.replaceChildren(el("p", { class: "muted" }, "Sending…"));
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    const ms = (performance.now() - started).toFixed(1);
    let shown = text;
    try { shown = pretty(JSON.parse(text)); } catch { /* not JSON: show as is */ }
    const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
    const curl = `curl -i -X ${init.method} '${location.origin}${url}'` +
      (body !== null ? ` -H 'content-type: application/json' -d '${body.replace(/\s*\n\s*/g, " ")}'` : "");
    result.replaceChildren(
      el("p", {}, el("span", { class: `status s${String(response.status)[0]}` }, `${response.status} ${response.statusText}`),
        el("span", { class: "muted" }, ` in ${ms} ms`)),
      el("h3", {}, "Response body"), el("pre", { class: "response-body" }, shown),
      el("h3", {}, "Response headers"), el("pre", { class: "response-headers" }, headers),
      el("h3", {}, "As curl"), el("pre", {}, curl));
  } catch (err) {
    result.replaceChildren(el("p", { class: "error" }, `The request failed: ${err}`));
  }
}

function operationCard(path, method, operation) {
  const body = el("div", { class: "op-body" }, description(operation.description));
  const params = (operation.parameters || []).map(resolve);
  if (params.length) {
    body.append(el("h3", {}, "Parameters"), el("ul", { class: "props" }, params.map((p) => el("li", {},
      el("code", {}, p.name), ` (${p.in}) `, el("span", { class: "type" }, typeLine(p.schema || {})),
      p.required ? el("span", { class: "required" }, " required") : null,
      p.description ? el("span", { class: "desc" }, richText(p.description)) : null))));
  }
  const media = ((operation.requestBody || {}).content || {})["application/json"];
  if (media) body.append(el("h3", {}, "Request body (application/json)"), schemaView(media.schema || {}));
  body.append(el("h3", {}, "Responses"), responsesTable(operation.responses));
  body.append(el("h3", {}, "Try it"), tryItForm(path, method, operation));
  return el("details", { class: "operation", id: `op-${operation.operationId}`, "data-operation": operation.operationId },
    el("summary", {},
      el("span", { class: `method ${method}` }, method),
      el("span", { class: "path" }, path),
      el("span", { class: "summary" }, operation.summary || ""),
      el("span", { class: "tag" }, (operation.tags || []).join(", "))),
    body);
}

async function main() {
  const response = await fetch("/openapi.json");
  if (!response.ok) throw new Error(`/openapi.json answered ${response.status}`);
  spec = await response.json();
  document.title = `${spec.info.title} – docs`;
  document.getElementById("title").textContent = spec.info.title;
  document.getElementById("version").textContent = `${spec.info.version} · OpenAPI ${spec.openapi}`;
  document.getElementById("description").replaceChildren(description(spec.info.description));
  const operations = document.getElementById("operations");
  operations.replaceChildren();
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const method of METHODS) {
      if (item[method]) operations.append(operationCard(path, method, item[method]));
    }
  }
  const schemas = document.getElementById("schemas");
  for (const [name, schema] of Object.entries((spec.components || {}).schemas || {})) {
    schemas.append(el("details", { class: "operation", id: `schema-${name}` },
      el("summary", {}, el("span", { class: "path" }, name), el("span", { class: "summary" }, typeLine(schema))),
      el("div", { class: "op-body" }, description(schema.description), schemaView(schema))));
  }
  schemas.hidden = false;
  document.body.dataset.ready = "true";
}

main().catch((err) => {
  document.getElementById("operations").replaceChildren(el("p", { class: "error" }, `Could not load the API description: ${err.message}`));
});
