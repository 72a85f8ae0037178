#!/usr/bin/env bash
# Builds the envtest control plane (kube-apiserver and etcd), and kubectl of the same
# version, from pinned Go modules.
# setup-envtest downloads release tarballs, and no download site is reachable from our
# machines or CI; the Go module proxy is, so we compile the same versions from source.
# The result is cached: a second run only checks the versions the binaries report.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-1.37.2}
ETCD_VERSION=${ETCD_VERSION:-3.6.16}
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${ENVTEST_ASSETS_DIR:-$root/bin/k8s/${K8S_VERSION}-$(go env GOOS)-$(go env GOARCH)}
mkdir -p "$dest"

# grep without -q and sed -n 1p read all their input: an early exit would kill the binary
# with SIGPIPE, which pipefail reports as a failure.
have_apiserver() { [ -x "$dest/kube-apiserver" ] && "$dest/kube-apiserver" --version 2>/dev/null | grep "v${K8S_VERSION}\$" >/dev/null; }
have_kubectl() { [ -x "$dest/kubectl" ] && "$dest/kubectl" version --client 2>/dev/null | grep "Client Version: v${K8S_VERSION}\$" >/dev/null; }
have_etcd() { [ -x "$dest/etcd" ] && "$dest/etcd" --version 2>/dev/null | grep "etcd Version: ${ETCD_VERSION}\$" >/dev/null; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# quiet runs a go command that resolves modules, showing its chatter only if it fails.
quiet() { "$@" >"$work/go.log" 2>&1 || { cat "$work/go.log" >&2; return 1; }; }

if ! have_etcd; then
	echo "building etcd v${ETCD_VERSION} (about a minute)" >&2
	mkdir -p "$work/etcd" && cd "$work/etcd"
	go mod init envtest-etcd >/dev/null 2>&1
	quiet go get "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}"
	CGO_ENABLED=0 go build -trimpath -o "$dest/etcd" go.etcd.io/etcd/server/v3
fi

# k8s_module prepares, once, a throwaway module that builds commands of k8s.io/kubernetes.
k8s_module() {
	cd "$work/k8s" 2>/dev/null && return
	mkdir -p "$work/k8s" && cd "$work/k8s"
	go mod init envtest-k8s >/dev/null 2>&1
	# k8s.io/kubernetes points its staging modules at ./staging; as a dependency they must
	# come from the proxy at the matching v0 version instead.
	modfile=$(go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
	staging=$(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$modfile")
	for m in $staging; do
		go mod edit -replace "$m=$m@v0.${K8S_VERSION#1.}"
	done
	go mod edit -require "k8s.io/kubernetes@v${K8S_VERSION}"
	cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
	quiet go mod tidy
}

# build_k8s builds one command of k8s.io/kubernetes reporting its real version.
build_k8s() {
	k8s_module
	local v="-X k8s.io/component-base/version.gitVersion=v${K8S_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
	v="$v -X k8s.io/client-go/pkg/version.gitVersion=v${K8S_VERSION} -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
	CGO_ENABLED=0 go build -trimpath -tags tools -ldflags "$v" -o "$dest/$1" "k8s.io/kubernetes/cmd/$1"
}

if ! have_apiserver; then
	echo "building kube-apiserver v${K8S_VERSION} (about four minutes on two cores)" >&2
	build_k8s kube-apiserver
fi

# kubectl of the same version, so the demo and the end-to-end tests never depend on
# whichever kubectl the machine has (or on its version skew).
if ! have_kubectl; then
	echo "building kubectl v${K8S_VERSION} (about a minute more)" >&2
	build_k8s kubectl
fi

"$dest/etcd" --version | sed -n 1p >&2
"$dest/kube-apiserver" --version >&2
"$dest/kubectl" version --client | sed -n 1p >&2
echo "$dest"
