# flask-operator: the kubebuilder v4 targets, plus envtest (control plane built from Go
# modules, see hack/build-envtest-binaries.sh) and demo (the local end-to-end run).

IMG ?= flask-operator:dev
# The manager's --cluster-name in deploy and build-installer; the default CHANGE-ME is no
# valid name, so an install that was not given one does not start.
CLUSTER_NAME ?= CHANGE-ME
ENVTEST_K8S_VERSION ?= 1.37.2
ENVTEST_ETCD_VERSION ?= 3.6.16
CONTROLLER_TOOLS_VERSION ?= v0.23.0

LOCALBIN ?= $(shell pwd)/bin
# The version in the file name makes a changed CONTROLLER_TOOLS_VERSION install anew.
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= kubectl kustomize
ENVTEST_ASSETS ?= $(LOCALBIN)/k8s/$(ENVTEST_K8S_VERSION)-$(shell go env GOOS)-$(shell go env GOARCH)

SET_IMAGE_AND_CLUSTER = sed -e 's\#controller:latest\#$(IMG)\#' -e 's\#--cluster-name=CHANGE-ME\#--cluster-name=$(CLUSTER_NAME)\#'

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate the CRD and RBAC manifests.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases

.PHONY: generate
# gotypesalias=0: controller-gen's deepcopy generator cannot yet copy a map whose value type
# is an alias (api/v1alpha1.TagValue); with the setting off it sees the plain string.
generate: controller-gen ## Generate DeepCopy methods.
	GODEBUG=gotypesalias=0 $(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: test
# -count=1: the end-to-end specs build the binaries themselves, which Go's test cache
# cannot see. The fuzzing budget is a count of inputs, not a duration: Go's fuzzing
# coordinator can fail a duration budget with "context deadline exceeded" at its end on a
# loaded machine, having found nothing.
test: manifests generate fmt vet envtest ## Run all tests against the envtest control plane and awssim.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go test ./... -count=1 -coverprofile cover.out -timeout 30m
	go test ./internal/cloud -run '^$$' -fuzz FuzzNames -fuzztime 60000x
	python3 -m unittest discover -s sample-app -t sample-app

.PHONY: test-chaos
# The chaos suite (test/integration) at a larger size than in `make test`; CHAOS_SEED picks
# which calls the faults hit and when the manager is killed.
CHAOS_OBJECTS ?= 10
CHAOS_RESTARTS ?= 10
test-chaos: envtest ## Converge and delete CHAOS_OBJECTS objects through AWS faults and CHAOS_RESTARTS manager kills.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" CHAOS_OBJECTS=$(CHAOS_OBJECTS) CHAOS_RESTARTS=$(CHAOS_RESTARTS) \
		go test ./test/integration -count=1 -v -timeout 30m -run TestIntegration -ginkgo.focus Chaos

.PHONY: bench
bench: ## Run the benchmarks (timing requirements live here, never in tests).
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go test ./... -run '^$$' -bench . -benchtime 3x

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager and simulator binaries.
	go build -o bin/manager ./cmd/manager
	go build -o bin/awssim ./cmd/awssim

.PHONY: run
run: manifests generate fmt vet ## Run the controller against the cluster in ~/.kube/config.
	go run ./cmd/manager

.PHONY: demo
demo: ## Local demo: control plane + AWS simulator + operator + a sample FlaskDeployment reaching Ready.
	hack/demo.sh

.PHONY: iam-policies
iam-policies: ## Write config/iam's policies for CLUSTER_NAME (the manager's --cluster-name) into bin/iam/.
	go run ./hack/iampolicies --cluster-name "$(CLUSTER_NAME)" --out $(LOCALBIN)/iam

.PHONY: docker-build
docker-build: ## Build the manager image (needs a Docker engine).
	docker build -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the manager image to its registry.
	docker push $(IMG)

##@ Deployment

.PHONY: install
install: manifests ## Install the CRD into the cluster in ~/.kube/config.
	$(KUSTOMIZE) config/crd | kubectl apply -f -

.PHONY: uninstall
uninstall: manifests ## Remove the CRD from the cluster.
	$(KUSTOMIZE) config/crd | kubectl delete --ignore-not-found -f -

.PHONY: deploy
deploy: manifests ## Deploy the controller to the cluster in ~/.kube/config.
	$(KUSTOMIZE) config/default | $(SET_IMAGE_AND_CLUSTER) | kubectl apply -f -

.PHONY: undeploy
undeploy: ## Remove the controller from the cluster.
	$(KUSTOMIZE) config/default | kubectl delete --ignore-not-found -f -

.PHONY: build-installer
build-installer: manifests generate ## Write dist/install.yaml: CRD, RBAC, manager and metrics Service in one file.
	mkdir -p dist
	$(KUSTOMIZE) config/default | $(SET_IMAGE_AND_CLUSTER) > dist/install.yaml

##@ Dependencies

$(LOCALBIN):
	mkdir -p $(LOCALBIN)

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Install controller-gen into bin/.
$(CONTROLLER_GEN): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(LOCALBIN)/controller-gen $(CONTROLLER_GEN)

.PHONY: envtest
envtest: ## Build kube-apiserver and etcd for envtest from Go modules into bin/ (cached).
	K8S_VERSION=$(ENVTEST_K8S_VERSION) ETCD_VERSION=$(ENVTEST_ETCD_VERSION) ENVTEST_ASSETS_DIR=$(ENVTEST_ASSETS) hack/build-envtest-binaries.sh >/dev/null
