#!/usr/bin/env bash
# The local demo: a Kubernetes control plane, the AWS simulator, the operator, and the
# sample FlaskDeployment, which must become Ready; then it is deleted and the simulator
# must hold nothing. Everything runs on this machine, built from source; nothing is
# downloaded but Go modules. Exits non-zero if any step fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=bin/demo
sample=${SAMPLE:-config/samples/deploy_v1alpha1_flaskdeployment.yaml}
addr=${AWSSIM_ADDR:-127.0.0.1:4566}
metrics=${METRICS_ADDR:-127.0.0.1:18443}
mkdir -p "$work"
rm -f "$work"/kubeconfig "$work"/*.log

step() { printf '\n==> %s\n' "$*"; }
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT

step "Building the control plane (cached after the first run), the operator and the simulator"
assets=$(hack/build-envtest-binaries.sh)
# kubectl of the control plane's version, built with it.
export PATH="$assets:$PATH"
go build -o bin/manager ./cmd/manager
go build -o bin/awssim ./cmd/awssim
go build -o bin/localcluster ./hack/localcluster
go build -o bin/iampolicies ./hack/iampolicies

step "Starting the control plane (kube-apiserver + etcd) with the FlaskDeployment CRD"
bin/localcluster --write-kubeconfig "$work/kubeconfig" --assets "$assets" >"$work/cluster.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do [ -s "$work/kubeconfig" ] && break; sleep 0.5; done
[ -s "$work/kubeconfig" ] || { cat "$work/cluster.log"; exit 1; }
export KUBECONFIG="$root/$work/kubeconfig"
kubectl version 2>/dev/null | sed 's/^/    /' || true

step "Starting the AWS simulator on $addr (time scale 0.01: a 90 s NAT gateway takes 0.9 s)"
bin/awssim --addr "$addr" --time-scale 0.01 >"$work/awssim.env" 2>"$work/awssim.log" &
pids+=($!)
for _ in $(seq 60); do grep -q AWS_ENDPOINT_URL "$work/awssim.env" 2>/dev/null && break; sleep 0.5; done
# shellcheck disable=SC1090
eval "$(grep '^export ' "$work/awssim.env")"
sed 's/^/    /' "$work/awssim.env"

step "Creating the permissions boundary of the operator's roles, as an administrator does once per cluster at install"
# IAM refuses a role whose boundary does not exist; the query protocol, as the SDK speaks it.
cluster=demo # the manager's --cluster-name
bin/iampolicies --cluster-name "$cluster" --out "$work/iam"
boundary=$(curl -sf "$AWS_ENDPOINT_URL/" -H "Content-Type: application/x-www-form-urlencoded" \
	-H "Authorization: AWS4-HMAC-SHA256 Credential=AKIDDEMO/20260101/$AWS_REGION/iam/aws4_request, SignedHeaders=host, Signature=0" \
	--data-urlencode Action=CreatePolicy --data-urlencode Version=2010-05-08 --data-urlencode "PolicyName=$cluster-boundary" \
	--data-urlencode Path=/flaskops/ --data-urlencode "PolicyDocument@$work/iam/permissions-boundary.json" |
	sed -n 's#.*<Arn>\(.*\)</Arn>.*#\1#p')
[ -n "$boundary" ] || { echo "CreatePolicy answered no ARN"; exit 1; }
echo "    $boundary"

step "Starting the operator against the simulator"
bin/manager --cluster-name="$cluster" --metrics-bind-address="$metrics" --health-probe-bind-address=0 --max-requeue-after=1s --resync-period=30s \
	>"$work/manager.log" 2>&1 &
pids+=($!)

# aws calls the simulator the way the SDK would (JSON protocols): aws <target prefix>.<Op> <json> [1.0|1.1]
aws() {
	local service=$1 target=$2 body=$3 version=${4:-1.1}
	curl -sf "$AWS_ENDPOINT_URL/" -H "Content-Type: application/x-amz-json-$version" -H "X-Amz-Target: $target" \
		-H "Authorization: AWS4-HMAC-SHA256 Credential=AKIDDEMO/20260101/$AWS_REGION/$service/aws4_request, SignedHeaders=host, Signature=0" \
		-d "$body"
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
show() { kubectl -n "$ns" get "flaskdeployment/$name" -o jsonpath="$1"; echo; }

connection=""
if grep -q connectionARN "$sample"; then
	step "Creating the GitHub connection, as the user does once in the console (it starts PENDING), tagged for the sample's namespace of this cluster as an administrator does"
	sample_ns=$(kubectl create --dry-run=client -f "$sample" -o jsonpath='{.metadata.namespace}')
	connection=$(aws codestar-connections CodeStar_connections_20191201.CreateConnection \
		"{\"ConnectionName\":\"demo-github\",\"ProviderType\":\"GitHub\",\"Tags\":[{\"Key\":\"flaskops.io/cluster\",\"Value\":\"$cluster\"},{\"Key\":\"flaskops.io/namespace\",\"Value\":\"${sample_ns:-default}\"}]}" 1.0 |
		field '["ConnectionArn"]')
	echo "    $connection"
	applied="$work/sample.yaml"
	sed "s#connectionARN: .*#connectionARN: $connection#" "$sample" >"$applied"
else
	applied=$sample
fi

step "Applying $sample"
kubectl apply -f "$applied"
name=$(kubectl get -f "$applied" -o jsonpath='{.metadata.name}')
ns=$(kubectl get -f "$applied" -o jsonpath='{.metadata.namespace}')
ns=${ns:-default}

if [ -n "$connection" ]; then
	owner=$(kubectl -n "$ns" get "flaskdeployment/$name" -o jsonpath='{.spec.pipeline.source.owner}')
	repo=$(kubectl -n "$ns" get "flaskdeployment/$name" -o jsonpath='{.spec.pipeline.source.repo}')
	branch=$(kubectl -n "$ns" get "flaskdeployment/$name" -o jsonpath='{.spec.pipeline.source.branch}')
	push() { # push <commit> [fail]: a commit on the pipeline's branch, as GitHub would see it
		curl -sf "$AWS_ENDPOINT_URL/_awssim/github/push" -H 'Content-Type: application/json' \
			-d "{\"owner\":\"$owner\",\"repo\":\"$repo\",\"branch\":\"$branch\",\"commit\":\"$1\",\"fail\":${2:-false}}" >/dev/null
		echo "    pushed $1 to $owner/$repo@$branch${2:+ (its build fails)}"
	}
	live() { # live <commit>: wait until that commit runs behind the load balancer
		for _ in $(seq 360); do
			[ "$(kubectl -n "$ns" get "flaskdeployment/$name" -o jsonpath='{.status.deployedRevision.commit}')" = "$1" ] && return 0
			sleep 0.5
		done
		kubectl -n "$ns" get "flaskdeployment/$name" -o yaml; tail -50 "$work/manager.log"; return 1
	}

	step "The pipeline waits for the person who completes the connection's handshake"
	kubectl -n "$ns" wait "flaskdeployment/$name" --for=jsonpath='{.status.conditions[?(@.type=="SourceConnectionReady")].reason}'=PendingHandshake --timeout=180s
	show '{.status.conditions[?(@.type=="SourceConnectionReady")].message}' | sed 's/^/    SourceConnectionReady: /'

	step "Completing the handshake, as the user does in the console"
	curl -sf "$AWS_ENDPOINT_URL/_awssim/connections/approve" -H 'Content-Type: application/json' -d "{\"arn\":\"$connection\"}" >/dev/null
	kubectl -n "$ns" wait "flaskdeployment/$name" --for=condition=SourceConnectionReady --timeout=180s

	step "Pushing a commit: CodePipeline builds the image and the service runs it"
	kubectl -n "$ns" wait "flaskdeployment/$name" --for=condition=PipelineReady --timeout=180s
	first=1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	push "$first"
	kubectl -n "$ns" wait "flaskdeployment/$name" --for=condition=Ready --timeout=180s
	second=2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
	push "$second"
	live "$second"
	kubectl -n "$ns" get flaskdeployments -o wide
	show '{.status.deployedRevision}' | sed 's/^/    deployedRevision: /'

	step "Pushing a commit whose build fails: it is reported, and the previous commit stays live"
	third=3333333ccccccccccccccccccccccccccccccccc
	push "$third" true
	for _ in $(seq 360); do
		exec=$(kubectl -n "$ns" get "flaskdeployment/$name" -o jsonpath='{.status.pipeline.latestExecution.sourceCommit} {.status.pipeline.latestExecution.status}')
		[ "$exec" = "$third Failed" ] && break
		sleep 0.5
	done
	[ "$exec" = "$third Failed" ] || { echo "the failed build was not reported: $exec"; exit 1; }
	show '{.status.pipeline.latestExecution}' | sed 's/^/    latestExecution: /'
	kubectl -n "$ns" get events --field-selector reason=ExecutionFailed -o jsonpath='{range .items[*]}{.message}{"\n"}{end}' 2>/dev/null | sed 's/^/    event: /' || true
	live "$second"
	echo "    $second is still live"
fi

step "Waiting for FlaskDeployment $ns/$name to become Ready"
if ! kubectl -n "$ns" wait "flaskdeployment/$name" --for=condition=Ready --timeout=180s; then
	kubectl -n "$ns" get "flaskdeployment/$name" -o yaml
	tail -50 "$work/manager.log"
	exit 1
fi
kubectl -n "$ns" get flaskdeployments
kubectl -n "$ns" get "flaskdeployment/$name" -o jsonpath='{range .status.conditions[*]}{.type}={.status} ({.reason}) {.message}{"\n"}{end}' | sed 's/^/    /'
url=$(kubectl -n "$ns" get "flaskdeployment/$name" -o jsonpath='{.status.url}')
[ -n "$url" ] || { echo "Ready without a URL"; exit 1; }
echo "    the app answers at $url (a name in the simulator; nothing listens there)"

step "Reading the operator's metrics as Prometheus would: HTTPS, a ServiceAccount token the API server authorizes"
kubectl apply -f config/rbac/metrics_reader_role.yaml >/dev/null
kubectl -n default create serviceaccount prometheus --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl create clusterrolebinding prometheus-metrics-reader --clusterrole=metrics-reader \
	--serviceaccount=default:prometheus --dry-run=client -o yaml | kubectl apply -f - >/dev/null
anonymous=$(curl -sk -o /dev/null -w '%{http_code}' "https://$metrics/metrics")
[ "$anonymous" = 401 ] || { echo "metrics without a token answered $anonymous, want 401"; exit 1; }
token=$(kubectl -n default create token prometheus)
curl -sfk -H "Authorization: Bearer $token" "https://$metrics/metrics" >"$work/metrics.txt"
grep -E '^(controller_runtime_reconcile_total\{controller="flaskdeployment"|flaskops_flaskdeployments|flaskops_stage_ready|flaskops_time_to_ready_seconds_count)' \
	"$work/metrics.txt" | sed 's/^/    /'
echo "    AWS requests by service (flaskops_aws_api_calls_total):"
sed -nE 's/^flaskops_aws_api_calls_total\{.*service="([^"]*)"\} ([0-9.e+]+)$/\1\t\2/p' "$work/metrics.txt" |
	awk -F'\t' '{n[$1] += $2} END {for (s in n) printf "      %5d  %s\n", n[s], s}' | sort -k2
grep -q '^flaskops_flaskdeployments{phase="Ready"} 1$' "$work/metrics.txt" || { echo "metrics do not count the sample as Ready"; exit 1; }
grep -q '^flaskops_aws_api_calls_total{code="",operation="CreateVpc",service="EC2"}' "$work/metrics.txt" || { echo "metrics do not count the AWS calls"; exit 1; }

step "What the simulator holds now"
curl -s "$AWS_ENDPOINT_URL/_awssim/inventory" | python3 -c '
import json, sys, collections
inv = json.load(sys.stdin)
counts = collections.Counter(r["service"] + ":" + r["type"] for r in inv)
for k, v in sorted(counts.items()):
    print(f"    {v:3d}  {k}")'

step "Deleting the FlaskDeployment; the operator removes every AWS resource it created"
kubectl -n "$ns" delete "flaskdeployment/$name" --timeout=180s
if [ -n "$connection" ]; then
	# The connection is the user's, not the operator's: the user deletes it.
	aws codestar-connections CodeStar_connections_20191201.DeleteConnection "{\"ConnectionArn\":\"$connection\"}" 1.0 >/dev/null
fi
# The simulator started empty, so anything it still holds leaked (a VPC's main route
# table and default security group go with the VPC).
left=$(curl -s "$AWS_ENDPOINT_URL/_awssim/inventory" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
if [ "$left" != "0" ]; then
	echo "leaked $left AWS resources:"; curl -s "$AWS_ENDPOINT_URL/_awssim/inventory"; exit 1
fi
echo "    nothing left behind"
step "Demo finished; logs are in $work/"
