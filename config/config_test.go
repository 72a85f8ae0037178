// Package config_test checks the kustomize trees of config/ against a real API server
// (envtest): the installer applies, the samples stay in sync after a server-side apply,
// and the Argo CD files agree with each other.
package config_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/flaskops/flask-operator/internal/testenv"
)

var c client.Client

func TestMain(m *testing.M) {
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: testenv.AssetsDir(),
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "start envtest (run `make envtest` first): %v\n", err)
		os.Exit(1)
	}
	if c, err = client.New(cfg, client.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// decodeAll reads every object of a multi-document YAML stream.
func decodeAll(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatal(err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// kubectl is the project's pinned kubectl (make envtest builds it), else the one on PATH.
func kubectl() string {
	if p := filepath.Join(testenv.AssetsDir(), "kubectl"); fileExists(p) {
		return p
	}
	return "kubectl"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func apply(ctx context.Context, u *unstructured.Unstructured, opts ...client.ApplyOption) error {
	opts = append(opts, client.FieldOwner("install-test"), client.ForceOwnership)
	return c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), opts...)
}

func TestInstallerAppliesToAnAPIServer(t *testing.T) {
	ctx := context.Background()
	cmd := exec.Command(kubectl(), "kustomize", "default")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize config/default: %v\n%s", err, stderr.String())
	}
	objs := decodeAll(t, out)

	var kinds []string
	for _, u := range objs {
		kinds = append(kinds, u.GetKind()+"/"+u.GetName())
	}
	for _, want := range []string{
		"Namespace/flask-operator-system",
		"CustomResourceDefinition/flaskdeployments.deploy.flaskops.io",
		"ServiceAccount/flask-operator-controller-manager",
		"ClusterRole/flask-operator-manager-role",
		"ClusterRoleBinding/flask-operator-manager-rolebinding",
		"Deployment/flask-operator-controller-manager",
		"Service/flask-operator-controller-manager-metrics-service",
	} {
		if !slices.Contains(kinds, want) {
			t.Errorf("install.yaml lacks %s; it has %v", want, kinds)
		}
	}

	// The namespace for real (dry-run objects need it to exist), the rest as a
	// server-side dry run: the API server validates each one in full.
	for _, u := range objs {
		if u.GetKind() == "Namespace" {
			if err := apply(ctx, u); err != nil {
				t.Fatalf("apply Namespace %s: %v", u.GetName(), err)
			}
		}
	}
	for _, u := range objs {
		if u.GetKind() == "Namespace" {
			continue
		}
		if err := apply(ctx, u, client.DryRunAll); err != nil {
			t.Errorf("server-side dry run of %s %s: %v", u.GetKind(), u.GetName(), err)
		}
		if u.GetKind() == "Deployment" {
			containers, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
			manager, _ := containers[0].(map[string]any)
			if !slices.Contains(manager["args"].([]any), any("--cluster-name=CHANGE-ME")) {
				t.Errorf("the manager's args %v lack --cluster-name=CHANGE-ME for the installer to fill in", manager["args"])
			}
		}
	}
}

// differences lists where live differs from applied in the fields applied sets, the way
// Argo CD compares a server-side applied manifest with the live object: fields the API
// server added (defaults, status, metadata) are not a difference.
func differences(path string, applied, live any) []string {
	switch a := applied.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: applied an object, live has %v", path, live)}
		}
		var out []string
		for k, v := range a {
			lv, ok := l[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s: applied %v, missing live", path, k, v))
				continue
			}
			out = append(out, differences(path+"."+k, v, lv)...)
		}
		return out
	case []any:
		l, ok := live.([]any)
		if !ok || len(l) != len(a) {
			return []string{fmt.Sprintf("%s: applied %v, live %v", path, a, live)}
		}
		var out []string
		for i := range a {
			out = append(out, differences(fmt.Sprintf("%s[%d]", path, i), a[i], l[i])...)
		}
		return out
	}
	if !reflect.DeepEqual(applied, live) {
		return []string{fmt.Sprintf("%s: applied %v, live %v", path, applied, live)}
	}
	return nil
}

// jsonValue gives YAML-decoded and API-read values one shape (numbers as float64).
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSamplesAreInSyncAfterServerSideApply(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{}
	ns.Name = "argocd-samples"
	if err := c.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("samples", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range decodeAll(t, data) {
			u.SetNamespace(ns.Name)
			if err := apply(ctx, u); err != nil {
				t.Errorf("%s: server-side apply: %v", f, err)
				continue
			}
			live := &unstructured.Unstructured{}
			live.SetGroupVersionKind(u.GroupVersionKind())
			if err := c.Get(ctx, client.ObjectKeyFromObject(u), live); err != nil {
				t.Fatal(err)
			}
			if diff := differences("", jsonValue(t, u.Object), jsonValue(t, live.Object)); len(diff) > 0 {
				t.Errorf("%s would show OutOfSync:\n%s", f, strings.Join(diff, "\n"))
			}
			applied++
		}
	}
	if applied < 5 {
		t.Fatalf("applied %d samples, want every one of config/samples", applied)
	}
}

func TestArgoCDConfigMapEmbedsTheHealthScript(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("argocd", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("argocd", "argocd-cm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{}
	if err := sigsyaml.UnmarshalStrict(data, cm); err != nil {
		t.Fatal(err)
	}
	if cm.Name != "argocd-cm" {
		t.Errorf("ConfigMap %s, want argocd-cm", cm.Name)
	}
	// Argo CD's key: the group, "_" for "/", the kind.
	if got := cm.Data["resource.customizations.health.deploy.flaskops.io_FlaskDeployment"]; got != string(script) {
		t.Errorf("argocd-cm.yaml's health script differs from health.lua:\n%s", got)
	}
}

func TestArgoCDApplicationSyncsTheSamples(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("argocd", "application.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	apps := decodeAll(t, data)
	if len(apps) != 1 || apps[0].GetKind() != "Application" || apps[0].GetAPIVersion() != "argoproj.io/v1alpha1" {
		t.Fatalf("application.yaml holds %v, want one argoproj.io/v1alpha1 Application", apps)
	}
	path, _, _ := unstructured.NestedString(apps[0].Object, "spec", "source", "path")
	if path != "config/samples" || !fileExists(filepath.Join("..", path, "kustomization.yaml")) {
		t.Errorf("source path %q, want config/samples", path)
	}
	opts, _, _ := unstructured.NestedStringSlice(apps[0].Object, "spec", "syncPolicy", "syncOptions")
	if !slices.Contains(opts, "ServerSideApply=true") {
		t.Errorf("syncOptions %v lack ServerSideApply=true, which the samples are checked against", opts)
	}
}

func TestDifferencesComparesOnlyAppliedFields(t *testing.T) {
	applied := map[string]any{"spec": map[string]any{"port": 80.0, "cidrs": []any{"10.0.0.0/24"}}}
	for _, tc := range []struct {
		name string
		live any
		want int
	}{
		{"defaults added", map[string]any{"spec": map[string]any{"port": 80.0, "cidrs": []any{"10.0.0.0/24"}, "cpu": 256.0}, "status": map[string]any{}}, 0},
		{"value changed", map[string]any{"spec": map[string]any{"port": 8080.0, "cidrs": []any{"10.0.0.0/24"}}}, 1},
		{"field dropped", map[string]any{"spec": map[string]any{"cidrs": []any{"10.0.0.0/24"}}}, 1},
		{"list grew", map[string]any{"spec": map[string]any{"port": 80.0, "cidrs": []any{"10.0.0.0/24", "10.0.1.0/24"}}}, 1},
	} {
		if got := differences("", applied, tc.live); len(got) != tc.want {
			t.Errorf("%s: differences %v, want %d", tc.name, got, tc.want)
		}
	}
}
