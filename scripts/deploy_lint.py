"""What schema validation cannot see in the deployment files: the project's own rules.

  deploy_lint.py compose FILE.json     the output of `docker compose --profile '*' config --format json`
  deploy_lint.py k8s FILE.yaml         the output of `kubectl kustomize <overlay>`
  deploy_lint.py versions DOC.md       prints the Kubernetes versions the document claims
  deploy_lint.py grafana ROOT          the provisioned dashboard and the Prometheus scrape targets

Prints one line per broken rule and exits 1 when there is any. Run by scripts/check-deploy.
"""

import json
import re
import sys

import yaml

OUR_SERVICES = {
    "gateway": 4000,
    "auth-service": 4001,
    "course-service": 4002,
    "progress-service": 4003,
    "payment-service": 4004,
    "certificate-service": 4005,
}
AUTOSCALED = {"gateway", "course-service", "progress-service"}
# Services whose secrets the stack gives them as files: NAME_FILE must be set and NAME must not.
SECRET_VARS = {
    "INTERNAL_API_TOKEN",
    "MONGO_URI",
    "REDIS_URL",
    "ADMIN_PASSWORD",
    "SMTP_PASSWORD",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "S3_SECRET_ACCESS_KEY",
}


def pinned(image):
    """An image reference with an explicit tag other than `latest`, or a digest."""
    if "@sha256:" in image:
        return True
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag not in ("", "latest")


def check_compose(path):
    errors = []
    services = json.load(open(path))["services"]
    for name, svc in services.items():
        where = f"compose service {name}"
        image = svc.get("image", "")
        if not pinned(image):
            errors.append(f"{where}: image `{image}` is not pinned to a version")
        if "logging" not in svc or "max-size" not in svc["logging"].get("options", {}):
            errors.append(f"{where}: no log rotation (logging.options.max-size)")
        limits = svc.get("deploy", {}).get("resources", {}).get("limits", {})
        one_shot = svc.get("network_mode") == "none"
        if not one_shot and not ("memory" in limits and "cpus" in limits):
            errors.append(f"{where}: no memory and CPU limits")
        env = svc.get("environment") or {}
        for var in SECRET_VARS & set(env):
            if env[var]:
                errors.append(f"{where}: secret {var} as a plain variable (use {var}_FILE and secrets:)")
        if name in OUR_SERVICES:
            test = (svc.get("healthcheck") or {}).get("test") or []
            if test[-1:] != ["healthcheck"]:
                errors.append(f"{where}: health check is not the binary's `healthcheck` subcommand: {test}")
            if "curl" in " ".join(test):
                errors.append(f"{where}: health check uses curl")
            for var in ("INTERNAL_API_TOKEN_FILE", "REDIS_URL_FILE"):
                if var not in env:
                    errors.append(f"{where}: {var} is not set")
            if svc.get("read_only") is not True:
                errors.append(f"{where}: root filesystem is not read-only")
        elif not svc.get("healthcheck") and not one_shot and name != "stripe-sim":
            errors.append(f"{where}: no health check")
    for name in ("progress-service", "payment-service"):
        dep = (services.get(name, {}).get("depends_on") or {}).get("course-service", {})
        if dep.get("condition") != "service_healthy":
            errors.append(f"compose service {name}: does not wait for course-service to be healthy")
    for name in ("mongo", "redis"):
        nets = set(services.get(name, {}).get("networks") or {})
        if nets != {"stores"}:
            errors.append(f"compose service {name}: on networks {sorted(nets)}, expected only the internal `stores`")
    return errors


def containers(doc):
    return doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])


def check_k8s(path):
    errors = []
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    kinds = {}
    for doc in docs:
        kinds.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    for doc in docs:
        if doc["kind"] == "Secret":
            errors.append(f"Secret {doc['metadata']['name']} is inlined in the manifests")
    deployments = kinds.get("Deployment", {})
    for name, port in OUR_SERVICES.items():
        where = f"Deployment {name}"
        dep = deployments.get(name)
        if dep is None:
            errors.append(f"{where}: missing")
            continue
        if name not in kinds.get("Service", {}):
            errors.append(f"Service {name}: missing")
        if name not in kinds.get("PodDisruptionBudget", {}):
            errors.append(f"PodDisruptionBudget {name}: missing")
        if name in AUTOSCALED and name not in kinds.get("HorizontalPodAutoscaler", {}):
            errors.append(f"HorizontalPodAutoscaler {name}: missing")
        pod = dep["spec"]["template"]["spec"]
        annotations = dep["spec"]["template"]["metadata"].get("annotations", {})
        if annotations.get("prometheus.io/scrape") != "true":
            errors.append(f"{where}: no prometheus.io/scrape annotation")
        if pod.get("securityContext", {}).get("runAsNonRoot") is not True:
            errors.append(f"{where}: pod does not require runAsNonRoot")
        for c in containers(dep):
            sc = c.get("securityContext", {})
            if sc.get("readOnlyRootFilesystem") is not True:
                errors.append(f"{where}: root filesystem is not read-only")
            if sc.get("allowPrivilegeEscalation") is not False:
                errors.append(f"{where}: privilege escalation is not disabled")
            if (c.get("readinessProbe") or {}).get("httpGet", {}).get("path") != "/readyz":
                errors.append(f"{where}: readiness probe is not GET /readyz")
            if (c.get("livenessProbe") or {}).get("httpGet", {}).get("path") != "/healthz":
                errors.append(f"{where}: liveness probe is not GET /healthz")
            res = c.get("resources", {})
            if "memory" not in res.get("limits", {}) or "cpu" not in res.get("requests", {}):
                errors.append(f"{where}: no memory limit or CPU request")
            for env in c.get("env", []):
                if env["name"] in SECRET_VARS and "value" in env:
                    errors.append(f"{where}: secret {env['name']} as a plain value")
    # A Redis set in the manifests runs the production settings, and services that follow its sentinels
    # wait for a replica's acknowledgement (docs/deploy.md, "Redis").
    scripts = kinds.get("ConfigMap", {})
    redis_scripts = next((c for n, c in scripts.items() if n.startswith("redis-scripts")), None)
    if redis_scripts:
        data = redis_scripts.get("data", {}).get("data.sh", "")
        for setting in ("min-replicas-to-write 1", "appendonly yes", "maxmemory-policy noeviction"):
            if setting not in data:
                errors.append(f"Redis data nodes: `{setting}` is not set")
    config = next((c.get("data", {}) for n, c in scripts.items() if n.startswith("lms-config")), {})
    if config.get("REDIS_SENTINELS") and int(config.get("REDIS_MIN_REPLICA_ACKS", "0")) < 1:
        errors.append("lms-config: REDIS_SENTINELS without REDIS_MIN_REPLICA_ACKS >= 1")
    if not kinds.get("NetworkPolicy"):
        errors.append("no NetworkPolicy")
    ingresses = kinds.get("Ingress", {})
    backends = {
        p["backend"]["service"]["name"]
        for ing in ingresses.values()
        for rule in ing["spec"].get("rules", [])
        for p in rule.get("http", {}).get("paths", [])
    }
    if backends != {"gateway"}:
        errors.append(f"Ingress backends are {sorted(backends)}, expected only the gateway")
    gateway = deployments.get("gateway")
    if gateway and not any(e["name"] == "TRUSTED_PROXIES" for c in containers(gateway) for e in c.get("env", [])):
        errors.append("Deployment gateway: TRUSTED_PROXIES is not set")
    return errors


def versions(doc):
    match = re.search(r"Kubernetes versions checked:\*{0,2}\s*([0-9., ]+)", open(doc).read())
    found = re.findall(r"1\.\d+", match.group(1)) if match else []
    if not found:
        print(f"{doc} names no `Kubernetes versions checked:` line", file=sys.stderr)
        sys.exit(1)
    print(" ".join(f"{v}.0" for v in found))
    sys.exit(0)


def check_grafana(root):
    errors = []
    dash = json.load(open(f"{root}/deploy/grafana/dashboards/lms.json"))
    if not dash.get("panels"):
        errors.append("Grafana dashboard has no panels")
    for panel in dash.get("panels", []):
        if not all(t.get("expr") for t in panel.get("targets", [])):
            errors.append(f"Grafana panel `{panel.get('title')}` has a target without a query")
    prom = yaml.safe_load(open(f"{root}/deploy/prometheus/prometheus.yml"))
    targets = {t for job in prom["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    wanted = {f"{n}:{p}" for n, p in OUR_SERVICES.items() if n != "gateway"} | {"gateway:4010"}
    for missing in sorted(wanted - targets):
        errors.append(f"Prometheus does not scrape {missing}")
    return errors


def main():
    kind, arg = sys.argv[1], sys.argv[2]
    if kind == "versions":
        versions(arg)
    errors = {"compose": check_compose, "k8s": check_k8s, "grafana": check_grafana}[kind](arg)
    for e in errors:
        print(f"  {e}", file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
