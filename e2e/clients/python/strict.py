"""Every answer a generated client receives, judged against the document it was generated from.

`Recorder` is an httpx response hook: it keeps each answer's method, path, status and raw body. `check`
then finds the documented operation and status of each, and validates the raw JSON body against that
response's schema made strict: `unevaluatedProperties: false` on every object schema, so a property the
document does not declare fails (a generated model would silently drop it). `lint` refuses what makes
generated types lie: a response property that may be null but is not `required` (`?: T | null` in
TypeScript, `Unset | None` in Python) when the service always sends it.
"""

import copy
import json
import re

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def _strict(node, in_all_of=False):
    """A copy of a schema where each object schema (not a branch of an allOf, whose siblings add the
    rest) refuses properties nothing in it evaluated."""
    if isinstance(node, list):
        return [_strict(x, in_all_of) for x in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "allOf":
            out[key] = [_strict(x, True) for x in value]
        elif key in ("properties", "patternProperties", "$defs"):
            out[key] = {k: _strict(v) for k, v in value.items()}
        else:
            out[key] = _strict(value)
    objectish = "properties" in node or "allOf" in node
    if objectish and not in_all_of and "additionalProperties" not in node and "unevaluatedProperties" not in node:
        out["unevaluatedProperties"] = False
    return out


class Document:
    def __init__(self, path):
        with open(path) as f:
            self.raw = json.load(f)
        strict = copy.deepcopy(self.raw)
        schemas = strict.get("components", {}).get("schemas", {})
        # A schema that is an allOf branch somewhere is never made strict on its own.
        branches = set()
        for text in re.findall(r'"allOf": \[(.*?)\]', json.dumps(self.raw)):
            branches.update(re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", text))
        for name, schema in schemas.items():
            schemas[name] = _strict(schema, in_all_of=name in branches)
        self.strict = strict
        self.registry = Registry().with_resource("urn:lms", Resource(contents=strict, specification=DRAFT202012))
        self.templates = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "$"), p) for p in self.raw["paths"]
        ]

    def operation(self, method, path):
        # Literal segments beat parameters (`/courses/search` before `/courses/{courseId}`).
        matches = [t for rx, t in self.templates if rx.match(path)]
        matches.sort(key=lambda t: t.count("{"))
        for template in matches:
            op = self.raw["paths"][template].get(method.lower())
            if op:
                return template, op
        return None, None

    def validator(self, template, method, status, content_type):
        pointer = f"/paths/{template.replace('~', '~0').replace('/', '~1')}/{method.lower()}/responses/{status}"
        response = self.raw["paths"][template][method.lower()]["responses"].get(str(status))
        if response is None:
            return None, f"status {status} is not documented"
        media = response.get("content", {}).get(content_type)
        if media is None:
            return None, f"content type {content_type} is not documented for {status}"
        ref = {"$ref": f"urn:lms#{pointer}/content/{content_type.replace('/', '~1')}/schema"}
        return Draft202012Validator(ref, registry=self.registry), None

    def lint(self):
        """Response properties that may be null yet are not required."""
        schemas = self.raw["components"]["schemas"]
        reach, todo = set(), [op.get("responses", {}) for item in self.raw["paths"].values() for op in item.values()]
        while todo:
            node = todo.pop()
            if isinstance(node, dict):
                ref = node.get("$ref", "")
                if ref.startswith("#/components/schemas/") and ref.split("/")[-1] not in reach:
                    reach.add(ref.split("/")[-1])
                    todo.append(schemas[ref.split("/")[-1]])
                todo.extend(node.values())
            elif isinstance(node, list):
                todo.extend(node)
        problems = []
        for name in sorted(reach):
            schema = schemas[name]
            required = set(schema.get("required", []))
            for prop, sub in schema.get("properties", {}).items():
                types = sub.get("type")
                nullable = (isinstance(types, list) and "null" in types) or any(
                    x.get("type") == "null" for x in sub.get("oneOf", []) + sub.get("anyOf", [])
                )
                if nullable and prop not in required:
                    problems.append(f"{name}.{prop} may be null but is not required")
        return problems


class Recorder:
    """httpx response hook keeping every answer."""

    def __init__(self):
        self.seen = []

    def __call__(self, response):
        response.read()
        self.seen.append(
            (response.request.method, response.request.url.path, response.status_code,
             response.headers.get("content-type", "").split(";")[0].strip(), response.content)
        )


def check(document, recorder):
    """Validates every recorded answer; returns the list of problems (empty when all are exact)."""
    problems = []
    for method, path, status, content_type, body in recorder.seen:
        template, op = document.operation(method, path)
        if op is None:
            problems.append(f"{method} {path}: no documented operation")
            continue
        validator, why = document.validator(template, method, status, content_type)
        if validator is None:
            problems.append(f"{method} {path}: {why}")
            continue
        if content_type != "application/json":
            continue
        for error in validator.iter_errors(json.loads(body)):
            location = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{method} {path} {status}: at /{location}: {error.message[:300]}")
    return problems
