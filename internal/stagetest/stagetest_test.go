package stagetest_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/stagetest"
)

// crashingSim is a simulator and an SDK configuration whose calls to it go through a
// crasher.
func crashingSim(t *testing.T) (*awssim.Sim, *stagetest.Crasher, aws.Config) {
	t.Helper()
	sim, err := awssim.New(awssim.WithTimeScale(0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	crash := stagetest.NewCrasher(awshttp.NewBuildableClient())
	return sim, crash, aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: crash,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")}
}

// The armed call is applied by AWS and its answer never reaches the caller.
func TestCrasherBreaksTheArmedCallAfterAWSAppliedIt(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault stagetest.Fault
	}{{"crash", stagetest.Crash}, {"lost answer", stagetest.LoseAnswer}} {
		t.Run(tt.name, func(t *testing.T) {
			sim, crash, cfg := crashingSim(t)
			cfg.RetryMaxAttempts = 1
			client := ec2.NewFromConfig(cfg)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			crash.Arm(2, tt.fault, cancel)
			if _, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
				t.Fatalf("first call: %v", err)
			}
			_, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
			if err == nil || (tt.fault == stagetest.Crash) != errors.Is(ctx.Err(), context.Canceled) {
				t.Fatalf("armed call: %v, context %v", err, ctx.Err())
			}
			if crash.CrashedAfter() != "CreateVpc" || crash.Count() != 2 || sim.CallCount("ec2", "CreateVpc") != 1 {
				t.Fatalf("crashed after %q, %d calls, %d CreateVpc reached AWS", crash.CrashedAfter(), crash.Count(), sim.CallCount("ec2", "CreateVpc"))
			}
			vpcs := 0
			for _, r := range sim.ListLive() {
				if r.Type == "vpc" {
					vpcs++
				}
			}
			if vpcs != 1 {
				t.Fatalf("AWS holds %v, want the VPC the call created", sim.ListLive())
			}
		})
	}
}

// A broken connection is retried; an API error is not.
func TestRetryBrokenConnectionsRetriesOnlyTheConnection(t *testing.T) {
	sim, crash, cfg := crashingSim(t)
	stagetest.RetryBrokenConnections(&cfg)
	client := ec2.NewFromConfig(cfg)
	ctx := context.Background()

	crash.Arm(1, stagetest.LoseAnswer, nil)
	if _, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil || crash.Count() != 2 {
		t.Fatalf("a reset connection: %v after %d calls, want success on the second", err, crash.Count())
	}

	crash.Arm(0, stagetest.LoseAnswer, nil)
	sim.FailNext("DescribeVpcs", "RequestLimitExceeded", 1)
	if _, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err == nil || crash.Count() != 1 {
		t.Fatalf("a throttled call: %v after %d calls, want the error on the first", err, crash.Count())
	}
}
