package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/flaskops/flask-operator/internal/awssim"
)

func TestApplyFailNext(t *testing.T) {
	sim, err := awssim.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := applyFailNext(sim, "ec2:CreateVpc=InternalError:2,CreateSubnet=RequestLimitExceeded:1"); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	for _, bad := range []string{"CreateVpc", "CreateVpc=Code", "CreateVpc=Code:x", "=Code:1"} {
		if err := applyFailNext(sim, bad); err == nil {
			t.Fatalf("spec %q accepted", bad)
		}
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	malformed := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(malformed, []byte(`{"Statement":[{"Effect":"Allow","Action":"*"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--time-scale", "fast"},
		{"--latency", "10"},
		{"--page-size", "x"},
		{"--no-such-flag"},
		{"--fail-next", "CreateVpc"},
		{"--drop-rate", "often"},
		{"--addr", "127.0.0.1:0", "extra"},
		{"--iam-policy", filepath.Join(t.TempDir(), "missing.json")},
		{"--iam-policy", malformed},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // a run that wrongly starts serving returns at once
		var stdout strings.Builder
		if err := run(ctx, args, &stdout, io.Discard); err == nil {
			t.Fatalf("run %q: no error", args)
		}
		if stdout.Len() != 0 {
			t.Fatalf("run %q printed exports %q before failing", args, stdout.String())
		}
	}
}

func TestRunPrintsExportsAndServes(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	exports, stop := start(t, "--region", "eu-west-1", "--state", state, "--drop-rate", "1")
	endpoint := exports["AWS_ENDPOINT_URL"]
	if !strings.HasPrefix(endpoint, "http://127.0.0.1:") || strings.HasSuffix(endpoint, ":0") {
		t.Fatalf("AWS_ENDPOINT_URL = %q, want the bound address", endpoint)
	}
	if exports["AWS_REGION"] != "eu-west-1" || exports["AWS_ACCESS_KEY_ID"] == "" || exports["AWS_SECRET_ACCESS_KEY"] == "" {
		t.Fatalf("exports = %v", exports)
	}

	// An SDK configured from nothing but the exports reaches the simulator.
	cfg := sdkConfig(t, exports)
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != awssim.Account {
		t.Fatalf("GetCallerIdentity through the exports: %+v, %v", id, err)
	}
	// --drop-rate 1 drops the answer of every write (and of none of the reads above).
	_, err = sts.NewFromConfig(cfg).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s")})
	if err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("AssumeRole at --drop-rate 1: %v, want the connection closed without an answer", err)
	}

	// The state file is written on the way out.
	stop()
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("state file not saved: %v", err)
	}
}

// TestRunServesGitHubControls drives the simulated GitHub through the served endpoints, as
// the local demo does, and finds the push in the state file.
func TestRunServesGitHubControls(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	exports, stop := start(t, "--state", state)
	post := func(path, body string) *http.Response {
		t.Helper()
		resp, err := http.Post(exports["AWS_ENDPOINT_URL"]+"/_awssim/github/"+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatalf("post %s: %v", path, err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	if resp := post("tokens", `{"owner":"flaskops","repo":"sample-app","token":"ghp_demo"}`); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("register token: HTTP %d", resp.StatusCode)
	}
	commit := strings.Repeat("ab", 20)
	resp := post("push", `{"owner":"flaskops","repo":"sample-app","branch":"main","commit":"`+commit+`"}`)
	var out struct {
		Executions []awssim.StartedExecution `json:"executions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.Executions == nil || len(out.Executions) != 0 {
		t.Fatalf("push without pipelines: HTTP %d, %+v, %v", resp.StatusCode, out, err)
	}
	stop()
	saved, err := os.ReadFile(state)
	if err != nil || !strings.Contains(string(saved), commit) || !strings.Contains(string(saved), "ghp_demo") {
		t.Fatalf("state file lacks the push and the token (%v)", err)
	}
}

// TestRunServesImageHealth marks an image unhealthy through the served endpoint: at time
// scale 0 its task fails its load balancer health checks at once and ECS stops it.
func TestRunServesImageHealth(t *testing.T) {
	exports, _ := start(t)
	cfg := sdkConfig(t, exports)
	bg := context.Background()
	resp, err := http.Post(exports["AWS_ENDPOINT_URL"]+"/_awssim/images/health", "application/json",
		strings.NewReader(`{"image":"app:broken","healthy":false}`))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("mark unhealthy: %v %v", resp, err)
	}
	resp.Body.Close()

	ec2c, elbc, ecsc := ec2.NewFromConfig(cfg), elbv2.NewFromConfig(cfg), ecs.NewFromConfig(cfg)
	vpc := try(ec2c.CreateVpc(bg, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}))(t)
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn := try(ec2c.CreateSubnet(bg, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId,
			CidrBlock: aws.String([]string{"10.0.0.0/24", "10.0.1.0/24"}[i]), AvailabilityZone: aws.String(az)}))(t)
		subnets = append(subnets, aws.ToString(sn.Subnet.SubnetId))
	}
	lb := try(elbc.CreateLoadBalancer(bg, &elbv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: subnets,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal}))(t)
	tg := try(elbc.CreateTargetGroup(bg, &elbv2.CreateTargetGroupInput{Name: aws.String("web"), Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), VpcId: vpc.Vpc.VpcId, TargetType: elbtypes.TargetTypeEnumIp}))(t).TargetGroups[0].TargetGroupArn
	try(elbc.CreateListener(bg, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(80),
		Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg}}}))(t)
	try(ecsc.CreateCluster(bg, &ecs.CreateClusterInput{ClusterName: aws.String("demo")}))(t)
	td := try(ecsc.RegisterTaskDefinition(bg, &ecs.RegisterTaskDefinitionInput{Family: aws.String("web"),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, NetworkMode: ecstypes.NetworkModeAwsvpc,
		Cpu: aws.String("256"), Memory: aws.String("512"), ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("app"),
			Image: aws.String("app:broken"), PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(80)}}}}}))(t)
	try(ecsc.CreateService(bg, &ecs.CreateServiceInput{Cluster: aws.String("demo"), ServiceName: aws.String("web"),
		TaskDefinition: td.TaskDefinition.TaskDefinitionArn, DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: subnets}},
		LoadBalancers:        []ecstypes.LoadBalancer{{TargetGroupArn: tg, ContainerName: aws.String("app"), ContainerPort: aws.Int32(80)}}}))(t)
	svc := try(ecsc.DescribeServices(bg, &ecs.DescribeServicesInput{Cluster: aws.String("demo"), Services: []string{"web"}}))(t).Services[0]
	var events []string
	for _, ev := range svc.Events {
		events = append(events, aws.ToString(ev.Message))
	}
	if d := svc.Deployments[0]; d.FailedTasks < 1 || d.RunningCount != 0 ||
		!strings.Contains(strings.Join(events, "\n"), "(port 80) is unhealthy in (target-group "+aws.ToString(tg)) {
		t.Fatalf("deployment %+v, events %q", d, events)
	}
}

// try fails the test on an error and returns the value.
func try[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestRunEnforcesTheIAMPolicy(t *testing.T) {
	file := filepath.Join(t.TempDir(), "policy.json")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}`
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	exports, _ := start(t, "--iam-policy", file)
	client := ec2.NewFromConfig(sdkConfig(t, exports))
	if _, err := client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatalf("DescribeVpcs, which the policy allows: %v", err)
	}
	_, err := client.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnauthorizedOperation" {
		t.Fatalf("CreateVpc outside the policy: %v, want UnauthorizedOperation", err)
	}
}

// start runs the command on a free port at time scale 0 and reads its exports; stop (also
// run at cleanup) cancels it and waits for it to return.
func start(t *testing.T, args ...string) (exports map[string]string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--addr", "127.0.0.1:0", "--time-scale", "0"}, args...), w, io.Discard)
		w.Close()
	}()
	exports = map[string]string{}
	lines := bufio.NewScanner(out)
	for len(exports) < 4 && lines.Scan() {
		name, value, ok := strings.Cut(strings.TrimPrefix(lines.Text(), "export "), "=")
		if !ok {
			cancel()
			t.Fatalf("not an export: %q", lines.Text())
		}
		exports[name] = value
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return exports, stop
}

// sdkConfig loads an SDK configuration from nothing but the exports.
func sdkConfig(t *testing.T, exports map[string]string) aws.Config {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config")) // keep the developer's files out
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	for name, value := range exports {
		t.Setenv(name, value)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatalf("load SDK config: %v", err)
	}
	cfg.RetryMaxAttempts = 1
	return cfg
}
