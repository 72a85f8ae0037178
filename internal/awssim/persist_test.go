package awssim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/internal/awssim"
)

func TestStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, awssim.WithStateFile(path))
	n := buildSeed(t, e)
	before := e.sim.ListLive()

	// A second simulator on the same file: same resources, same clock semantics.
	sim2, err := awssim.New(awssim.WithClock(e.clock), awssim.WithStateFile(path))
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	srv := httptest.NewServer(sim2)
	defer srv.Close()
	client := ec2.NewFromConfig(configFor(srv.URL, "us-east-1"))
	after := sim2.ListLive()
	if len(after) != len(before) {
		t.Fatalf("restart kept %d of %d resources", len(after), len(before))
	}
	for i := range before {
		if before[i].ID != after[i].ID || len(before[i].Tags) != len(after[i].Tags) {
			t.Fatalf("resource %d: %+v became %+v", i, before[i], after[i])
		}
	}
	mustDo(client.DeleteNatGateway(ctx(), &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(n.nat)}))(t)
	_, err = client.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(n.public[0])})
	expectCode(t, err, "DependencyViolation")
	e.clock.Advance(time.Minute)
	mustDo(client.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: aws.String(n.eip)}))(t)
	// ClientTokens survive too.
	again := mustDo(client.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(n.public[0]), AllocationId: aws.String(n.eip), ClientToken: aws.String("seed-nat")}))(t)
	if aws.ToString(again.NatGateway.NatGatewayId) != n.nat || again.NatGateway.State != types.NatGatewayStateDeleted {
		t.Fatalf("token replay after restart = %+v", again.NatGateway)
	}
}

func TestAdminEndpoints(t *testing.T) {
	e := newEnv(t)
	vpcID := e.vpc(t, "10.0.0.0/16", "owner", "admin")
	var inv []awssim.Resource
	getJSON(t, e.url+"/_awssim/inventory", &inv)
	if len(inv) != 3 || inv[2].ID != vpcID || inv[2].Tags["owner"] != "admin" || inv[2].Region != "us-east-1" {
		t.Fatalf("inventory = %+v", inv)
	}
	var calls map[string]int
	getJSON(t, e.url+"/_awssim/calls", &calls)
	if calls["ec2:CreateVpc"] != 1 {
		t.Fatalf("calls = %v", calls)
	}
	post(t, e.url+"/_awssim/faults", `{"failNext":[{"op":"ec2:DescribeVpcs","code":"InternalError","count":1}]}`)
	_, err := e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{})
	expectCode(t, err, "InternalError")
	post(t, e.url+"/_awssim/faults", `{"throttleRate":1,"latency":"1ms"}`)
	_, err = e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{})
	expectCode(t, err, "RequestLimitExceeded")
	post(t, e.url+"/_awssim/reset", "")
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("reset left %+v", live)
	}
	mustDo(e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{}))(t) // faults cleared too
	_, err = e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{DryRun: aws.Bool(true)})
	expectCode(t, err, "DryRunOperation")
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", url, err)
	}
}

func post(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST %s: %s", url, resp.Status)
	}
}
