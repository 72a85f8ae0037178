package ecs_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/stagetest"
)

// The API's defaults are written down once, in the CRD (kubebuilder markers); the stage
// repeats none of them and reads the spec as the API server stores it, defaulted. An
// empty, undefaulted spec is therefore nothing the stage can run (no CPU, no port, no
// tasks), and the API server never hands it one. What this table proves is that the
// CRD's defaults are the seed's settings: an empty spec, defaulted as the API server
// defaults it, makes exactly the AWS requests of the seed's settings written out.
func TestDefaultsComeFromTheAPI(t *testing.T) {
	meta := metav1.ObjectMeta{Namespace: "shop", Name: "web", UID: "0b5e6f7a-1c2d-4e3f-8a9b-0c1d2e3f4a5b", Generation: 1}
	image := "public.ecr.aws/docker/library/python:3.12-slim"
	tags := map[string]string{"project": "mane"}
	tests := []struct {
		name string
		fd   func() *v1alpha1.FlaskDeployment
	}{
		{
			name: "the seed's settings written out",
			fd: func() *v1alpha1.FlaskDeployment {
				return &v1alpha1.FlaskDeployment{ObjectMeta: meta, Spec: v1alpha1.FlaskDeploymentSpec{
					Region: region, Tags: tags,
					Network: v1alpha1.NetworkSpec{VPCCIDR: "10.0.0.0/16", PublicSubnetCIDRs: []string{"10.0.1.0/24", "10.0.2.0/24"},
						PrivateSubnetCIDRs: []string{"10.0.3.0/24", "10.0.4.0/24"}, NATGateways: v1alpha1.NATGatewaySingle},
					Repository: v1alpha1.RepositorySpec{ScanOnPush: ptr.To(true), ImageTagMutability: "MUTABLE", Encryption: v1alpha1.EncryptionAES256, KeepImages: 30},
					Service: v1alpha1.ServiceSpec{
						Image: image, ContainerPort: 5000, CPU: 256, Memory: 512, DesiredCount: ptr.To(int32(2)),
						HealthCheckPath: "/", HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 5,
						UnhealthyThresholdCount: 2, HealthCheckGracePeriodSeconds: ptr.To(int32(60)), LogRetentionDays: 7,
						Deployment: v1alpha1.DeploymentSpec{MaximumPercent: 200, MinimumHealthyPercent: 50, CircuitBreaker: ptr.To(true)},
						LoadBalancer: v1alpha1.LoadBalancerSpec{Port: 80, SSLPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", IdleTimeoutSeconds: 60,
							AllowedCIDRs: []string{"0.0.0.0/0"}, DeregistrationDelaySeconds: ptr.To(int32(30))},
					},
					DeletionPolicy: v1alpha1.DeletionPolicyDelete, ManagementPolicy: v1alpha1.ManagementPolicyFull,
				}, Status: v1alpha1.FlaskDeploymentStatus{Region: region}}
			},
		},
		{
			name: "an empty spec, defaulted by the CRD",
			fd: func() *v1alpha1.FlaskDeployment {
				fd := &v1alpha1.FlaskDeployment{ObjectMeta: meta, Spec: v1alpha1.FlaskDeploymentSpec{
					Region: region, Tags: tags, Service: v1alpha1.ServiceSpec{Image: image},
				}, Status: v1alpha1.FlaskDeploymentStatus{Region: region}}
				if err := stagetest.Defaulted(fd); err != nil {
					t.Fatal(err)
				}
				return fd
			},
		},
	}
	var want []string
	for _, tt := range tests {
		r := newRig(t)
		fd := tt.fd()
		r.buildNetwork(fd)
		r.converge(fd)
		got := canonicalRequests(r.requests.all())
		if want == nil {
			want = got
			continue
		}
		if !slices.Equal(got, want) {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("%s: request %d is\n%s\nwhere %s made\n%s", tt.name, i, got[i], tests[0].name, want[i])
				}
			}
			t.Fatalf("%s: %d requests, %s made %d", tt.name, len(got), tests[0].name, len(want))
		}
	}
}

// idRE matches the IDs AWS makes up (hex or decimal runs), which differ between runs.
var idRE = regexp.MustCompile(`[0-9a-f]{8,}`)

// canonicalRequests puts recorded requests in a form two runs can be compared in: bodies
// re-encoded with sorted keys, and each ID replaced by its order of first appearance.
func canonicalRequests(reqs []string) []string {
	ids := map[string]string{}
	out := make([]string, 0, len(reqs))
	for _, r := range reqs {
		op, body, _ := strings.Cut(r, " ")
		var doc any
		if err := json.Unmarshal([]byte(body), &doc); err == nil {
			b, _ := json.Marshal(doc)
			body = string(b)
		} else if q, err := url.ParseQuery(body); err == nil {
			body = q.Encode()
		}
		body = idRE.ReplaceAllStringFunc(body, func(id string) string {
			if _, ok := ids[id]; !ok {
				ids[id] = fmt.Sprintf("<id%d>", len(ids))
			}
			return ids[id]
		})
		out = append(out, op+" "+body)
	}
	return out
}
