#!/usr/bin/env python3
"""Verifies one certificate the way a third party would, from public URLs only, with code nobody on
this project wrote: PyJWT (EdDSA through `cryptography`) for the signatures, jsonschema for the official
Open Badges 3.0 JSON Schema (vendored in test-support/schemas).

    verify_certificate.py BASE ID [--jwt FILE]

BASE is the platform's public origin (the gateway), ID the certificate's id. The JWT is the one
`GET BASE/api/v1/certificates/ID` returns, or the one in FILE (to try a tampered or foreign one). Steps:
the issuer's JWKS from BASE/api/v1/certificates/issuer/jwks.json; the JWT's header (`alg` EdDSA, `typ`
vc+jwt, a `kid` of that set) and signature; the payload against the schema; its `credentialStatus`
list fetched, its own JWT verified the same way, and the certificate's bit read. Prints one JSON line
{"valid": ..., "revoked": ..., "reason": ...}; exit 0 when valid, 1 when not, 2 when it could not check.
"""

import argparse
import base64
import gzip
import json
import os
import sys
import urllib.request

import jsonschema
import jwt

SCHEMA = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..",
    "test-support",
    "schemas",
    "ob_v3p0_achievementcredential_schema.json",
)


def fetch(url, accept="application/json"):
    req = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(req, timeout=10) as res:
        return res.read().decode()


def verify_jwt(token, jwks):
    header = jwt.get_unverified_header(token)
    if header.get("alg") != "EdDSA":
        raise ValueError(f"alg is {header.get('alg')!r}")
    if header.get("typ") != "vc+jwt":
        raise ValueError(f"typ is {header.get('typ')!r}")
    keys = {k["kid"]: k for k in jwks["keys"]}
    if header.get("kid") not in keys:
        raise ValueError(f"kid {header.get('kid')!r} is not in the issuer's JWKS")
    key = jwt.PyJWK(keys[header["kid"]]).key
    return jwt.decode(
        token, key, algorithms=["EdDSA"], options={"verify_aud": False, "require": []}
    )


def bit(encoded, index):
    if not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url")
    raw = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    if len(bits) < 16384:
        raise ValueError("the status list is shorter than 131,072 bits")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def main():
    args = argparse.ArgumentParser()
    args.add_argument("base")
    args.add_argument("id")
    args.add_argument("--jwt")
    a = args.parse_args()
    base = a.base.rstrip("/")
    try:
        jwks = json.loads(fetch(f"{base}/api/v1/certificates/issuer/jwks.json"))
        if a.jwt:
            token = open(a.jwt).read().strip()
        else:
            token = json.loads(fetch(f"{base}/api/v1/certificates/{a.id}"))["certificate"]["jwt"]
    except Exception as e:  # noqa: BLE001 - any failure to fetch is "could not check"
        print(json.dumps({"valid": None, "reason": f"fetching failed: {e}"}))
        return 2
    try:
        credential = verify_jwt(token, jwks)
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"valid": False, "revoked": None, "reason": f"signature: {e}"}))
        return 1
    schema = json.load(open(SCHEMA))
    errors = sorted(
        jsonschema.Draft201909Validator(schema).iter_errors(credential), key=lambda e: e.path
    )
    if errors:
        print(json.dumps({"valid": False, "revoked": None, "reason": f"schema: {errors[0].message}"}))
        return 1
    types = credential["type"]
    if "VerifiableCredential" not in types or "OpenBadgeCredential" not in types:
        print(json.dumps({"valid": False, "revoked": None, "reason": f"type: {types}"}))
        return 1
    status = credential["credentialStatus"]
    try:
        listed = verify_jwt(fetch(status["statusListCredential"], "application/vc+jwt"), jwks)
        subject = listed["credentialSubject"]
        if listed["issuer"]["id"] != credential["issuer"]["id"]:
            raise ValueError("the status list has another issuer")
        if subject["statusPurpose"] != status["statusPurpose"] or subject["type"] != "BitstringStatusList":
            raise ValueError("not a revocation BitstringStatusList")
        revoked = bit(subject["encodedList"], int(status["statusListIndex"]))
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"valid": False, "revoked": None, "reason": f"status list: {e}"}))
        return 1
    out = {
        "valid": not revoked,
        "revoked": revoked,
        "reason": "revoked" if revoked else "ok",
        "kid": jwt.get_unverified_header(token)["kid"],
        "learner": credential["credentialSubject"]["identifier"][0]["identityHash"],
        "achievement": credential["credentialSubject"]["achievement"]["name"],
    }
    print(json.dumps(out))
    return 1 if revoked else 0


if __name__ == "__main__":
    sys.exit(main())
