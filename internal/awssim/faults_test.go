package awssim_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/flaskops/flask-operator/internal/awssim"
)

// throttledCalls makes n GetCallerIdentity calls (one attempt each) at the given throttle
// rate and returns the indexes of the throttled ones.
func throttledCalls(t *testing.T, rate float64, n int, seed uint64) []int {
	t.Helper()
	e := newEnv(t, awssim.WithRandSource(rand.NewPCG(seed, seed)))
	e.sim.SetFaults(awssim.Faults{ThrottleRate: rate})
	var throttled []int
	for i := range n {
		_, err := e.sts.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
		switch got := code(t, err); got {
		case "Throttling":
			throttled = append(throttled, i)
		case "":
		default:
			t.Fatalf("call %d: code %q", i, got)
		}
	}
	return throttled
}

func TestThrottleRateHitsAShareOfCalls(t *testing.T) {
	for _, tc := range []struct {
		rate     float64
		min, max int // of 200 calls; wide enough for any seed, narrow enough to catch 0% or 100%
	}{
		{0, 0, 0},
		{0.1, 5, 40},
		{0.5, 70, 130},
		{1, 200, 200},
	} {
		first := throttledCalls(t, tc.rate, 200, 7)
		if len(first) < tc.min || len(first) > tc.max {
			t.Fatalf("rate %v: %d of 200 calls throttled, want %d..%d", tc.rate, len(first), tc.min, tc.max)
		}
		if again := throttledCalls(t, tc.rate, 200, 7); !slices.Equal(first, again) {
			t.Fatalf("rate %v: the same seed throttled different calls: %v then %v", tc.rate, first, again)
		}
	}
}

func TestThrottlingCodeAndStatusPerProtocol(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		service    string
		call       func() error
		wantCode   string
		wantStatus int
	}{
		{"ec2", func() error {
			_, err := e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{})
			return err
		}, "RequestLimitExceeded", http.StatusServiceUnavailable},
		{"s3", func() error {
			_, err := s3.NewFromConfig(e.cfg, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("b")})
			return err
		}, "SlowDown", http.StatusServiceUnavailable},
		{"ecr", func() error {
			_, err := ecr.NewFromConfig(e.cfg).DescribeRepositories(ctx(), &ecr.DescribeRepositoriesInput{})
			return err
		}, "ThrottlingException", http.StatusBadRequest},
		{"sts", func() error {
			_, err := e.sts.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
			return err
		}, "Throttling", http.StatusBadRequest},
	} {
		t.Run(tc.service, func(t *testing.T) {
			e.sim.SetFaults(awssim.Faults{ThrottleRate: 1, Only: []string{tc.service}})
			err := tc.call()
			expectCode(t, err, tc.wantCode)
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != tc.wantStatus {
				t.Fatalf("HTTP status of %v, want %d", err, tc.wantStatus)
			}
		})
	}
}

func TestFailNextFailsExactlyNTimes(t *testing.T) {
	for _, n := range []int{1, 3} {
		e := newEnv(t)
		e.sim.FailNext("ec2:CreateVpc", "InternalError", n)
		for i := range n {
			_, err := e.ec2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
			if got := code(t, err); got != "InternalError" {
				t.Fatalf("n=%d: call %d code %q, want InternalError", n, i+1, got)
			}
		}
		e.vpc(t, "10.0.0.0/16")
		if got := e.sim.CallCount("ec2", "CreateVpc"); got != n+1 {
			t.Fatalf("n=%d: %d CreateVpc calls counted, want %d", n, got, n+1)
		}
		if got := countType(e, "vpc"); got != 1 {
			t.Fatalf("n=%d: %d VPCs live, want 1 (failed calls create nothing)", n, got)
		}
	}
}

func TestWithLatencyOverridesOneKind(t *testing.T) {
	for _, tc := range []struct {
		scale float64
		want  time.Duration // NAT gateway create delay
	}{
		{1, 10 * time.Second},
		{0.5, 5 * time.Second},
	} {
		e := newEnv(t, awssim.WithLatency(awssim.LatencyNATGatewayCreate, 10*time.Second), awssim.WithTimeScale(tc.scale))
		if got := e.sim.Delay(awssim.LatencyNATGatewayDelete); got != time.Duration(float64(60*time.Second)*tc.scale) {
			t.Fatalf("scale %v: NAT delete delay %v changed with the create override", tc.scale, got)
		}
		vpcID := e.vpc(t, "10.0.0.0/16")
		e.igw(t, vpcID)
		id := aws.ToString(e.nat(t, e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a"), e.eip(t), "").NatGatewayId)
		e.clock.Advance(tc.want - time.Second)
		if s := e.natState(t, id); s != types.NatGatewayStatePending {
			t.Fatalf("scale %v: NAT %s a second before %v, want pending", tc.scale, s, tc.want)
		}
		e.clock.Advance(time.Second)
		if s := e.natState(t, id); s != types.NatGatewayStateAvailable {
			t.Fatalf("scale %v: NAT %s after %v, want available", tc.scale, s, tc.want)
		}
	}
}

func TestAdminSaveWritesTheStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, awssim.WithStateFile(path))
	vpcID := e.vpc(t, "10.0.0.0/16")
	if err := os.Remove(path); err != nil { // written by CreateVpc; the endpoint must write it again
		t.Fatal(err)
	}
	post(t, e.url+"/_awssim/save", "")
	restarted, err := awssim.New(awssim.WithStateFile(path))
	if err != nil {
		t.Fatalf("load saved state: %v", err)
	}
	if !slices.ContainsFunc(restarted.ListLive(), func(r awssim.Resource) bool { return r.ID == vpcID }) {
		t.Fatalf("saved state lacks VPC %s: %+v", vpcID, restarted.ListLive())
	}
}

// expectDropped fails unless err is the transport error of an answer that never came: no
// API error, a failed send (no HTTP status), the connection closed (EOF).
func expectDropped(t *testing.T, err error) {
	t.Helper()
	var apiErr smithy.APIError
	var sendErr *smithyhttp.RequestSendError
	var re *awshttp.ResponseError
	if err == nil || errors.As(err, &apiErr) || !errors.As(err, &sendErr) ||
		(errors.As(err, &re) && re.HTTPStatusCode() != 0) || !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("error %v, want a dropped connection (EOF) without an answer", err)
	}
}

func TestDropAnswerNextAppliesTheCallAndDropsItsAnswer(t *testing.T) {
	e := newEnv(t)
	e.sim.DropAnswerNext("ec2:CreateVpc", 1)
	_, err := e.ec2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	expectDropped(t, err)
	if got := countType(e, "vpc"); got != 1 {
		t.Fatalf("%d VPCs live after the dropped answer, want 1 (the call was applied)", got)
	}
	e.vpc(t, "10.1.0.0/16") // the rule is used up: the next call is answered
	if got := countType(e, "vpc"); got != 2 {
		t.Fatalf("%d VPCs live, want 2", got)
	}
}

// TestDroppedAnswerIsRetriedBySDK documents what the SDK's standard retryer does with a
// dropped answer: it retries (a connection error), so the caller's create meets its own
// resource.
func TestDroppedAnswerIsRetriedBySDK(t *testing.T) {
	e := newEnv(t)
	cfg := e.cfg.Copy()
	cfg.RetryMaxAttempts = 0
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.Backoff = retry.BackoffDelayerFunc(noBackoff) })
	}
	repos := ecr.NewFromConfig(cfg)
	e.sim.DropAnswerNext("CreateRepository", 1)
	_, err := repos.CreateRepository(ctx(), &ecr.CreateRepositoryInput{RepositoryName: aws.String("app")})
	expectCode(t, err, "RepositoryAlreadyExistsException")
	if got := e.sim.CallCount("ecr", "CreateRepository"); got != 2 {
		t.Fatalf("%d CreateRepository calls, want 2 (the dropped one and the SDK's retry)", got)
	}
	if got := countType(e, "repository"); got != 1 {
		t.Fatalf("%d repositories live, want 1", got)
	}
}

func noBackoff(int, error) (time.Duration, error) { return 0, nil }

// droppedCalls makes n CreateSecurityGroup calls at the given drop rate and returns the
// indexes of the dropped ones, checking each dropped call was applied all the same.
func droppedCalls(t *testing.T, rate float64, n int, seed uint64) []int {
	t.Helper()
	e := newEnv(t, awssim.WithRandSource(rand.NewPCG(seed, seed)))
	vpcID := e.vpc(t, "10.0.0.0/16")
	e.sim.SetFaults(awssim.Faults{DropRate: rate})
	var dropped []int
	for i := range n {
		_, err := e.ec2.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{
			GroupName: aws.String(fmt.Sprintf("g%d", i)), Description: aws.String("d"), VpcId: aws.String(vpcID)})
		if err != nil {
			expectDropped(t, err)
			dropped = append(dropped, i)
		}
		if _, err := e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{}); err != nil {
			t.Fatalf("read %d at drop rate %v: %v (reads are never dropped)", i, rate, err)
		}
	}
	if got := countType(e, "security-group"); got != n+1 { // the VPC's default group too
		t.Fatalf("rate %v: %d security groups live, want %d (dropped answers are applied)", rate, got, n+1)
	}
	return dropped
}

func TestDropRateDropsAShareOfWrites(t *testing.T) {
	for _, tc := range []struct {
		rate     float64
		min, max int // of 100 calls
	}{
		{0, 0, 0},
		{0.3, 10, 50},
		{1, 100, 100},
	} {
		first := droppedCalls(t, tc.rate, 100, 3)
		if len(first) < tc.min || len(first) > tc.max {
			t.Fatalf("rate %v: %d of 100 answers dropped, want %d..%d", tc.rate, len(first), tc.min, tc.max)
		}
		if again := droppedCalls(t, tc.rate, 100, 3); !slices.Equal(first, again) {
			t.Fatalf("rate %v: the same seed dropped different calls: %v then %v", tc.rate, first, again)
		}
	}
}

func TestAdminDropAnswerNext(t *testing.T) {
	e := newEnv(t)
	post(t, e.url+"/_awssim/faults", `{"dropAnswerNext":[{"op":"ec2:CreateVpc","count":3}]}`)
	for range 2 {
		_, err := e.ec2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
		expectDropped(t, err)
	}
	if got := countType(e, "vpc"); got != 2 {
		t.Fatalf("%d VPCs live, want 2", got)
	}
	post(t, e.url+"/_awssim/reset", "") // forgets the third drop
	if _, err := e.ec2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}); err != nil {
		t.Fatalf("after reset: %v", err)
	}
}

func TestInjectedCountsEveryFault(t *testing.T) {
	e := newEnv(t)
	call := func() { _, _ = e.sts.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}) }
	create := func() { _, _ = e.ec2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}) }

	e.sim.SetFaults(awssim.Faults{ThrottleRate: 1})
	call()
	call()
	call()
	e.sim.SetFaults(awssim.Faults{ErrorRate: 1})
	call()
	call()
	e.sim.SetFaults(awssim.Faults{})
	e.sim.FailNext("GetCallerIdentity", "InternalError", 1)
	call()
	e.sim.DropAnswerNext("CreateVpc", 1)
	create()
	e.sim.SetFaults(awssim.Faults{DropRate: 1})
	create()
	call() // reads are never dropped

	want := awssim.Injected{Throttled: 3, Errors: 2, Failed: 1, Dropped: 2}
	if got := e.sim.Injected(); got != want || got.Total() != 8 {
		t.Fatalf("Injected() = %+v (total %d), want %+v (total 8)", got, got.Total(), want)
	}
	e.sim.Reset()
	if got := e.sim.Injected(); got != (awssim.Injected{}) {
		t.Fatalf("after Reset, Injected() = %+v, want zero", got)
	}
}
