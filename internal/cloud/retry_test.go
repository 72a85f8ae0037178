package cloud_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
)

func TestRetryThrottledOnly(t *testing.T) {
	throttledOnly := func(o *ec2.Options) { o.Retryer = cloud.RetryThrottledOnly(o.Retryer) }
	tests := []struct {
		name      string
		code      string
		opts      []func(*ec2.Options)
		wantErr   bool
		wantCalls int
		wantVPCs  int
	}{
		{"throttled twice, then created", "RequestLimitExceeded", []func(*ec2.Options){throttledOnly}, false, 3, 1},
		{"a 5xx is not retried", "InternalError", []func(*ec2.Options){throttledOnly}, true, 1, 0},
		{"without the wrapper a 5xx is retried", "InternalError", nil, false, 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, err := awssim.New(awssim.WithTimeScale(0))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(sim)
			defer srv.Close()
			client := ec2.NewFromConfig(aws.Config{
				Region:       "us-east-1",
				BaseEndpoint: aws.String(srv.URL),
				Credentials:  credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
				Retryer: func() aws.Retryer {
					return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = time.Millisecond })
				},
			})
			sim.FailNext("CreateVpc", tt.code, 2)

			_, err = client.CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}, tt.opts...)
			if (err != nil) != tt.wantErr {
				t.Fatalf("CreateVpc error = %v, want error: %v", err, tt.wantErr)
			}
			if got := sim.CallCount("ec2", "CreateVpc"); got != tt.wantCalls {
				t.Errorf("CreateVpc reached AWS %d times, want %d", got, tt.wantCalls)
			}
			out, err := client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Vpcs) != tt.wantVPCs {
				t.Errorf("%d VPCs, want %d", len(out.Vpcs), tt.wantVPCs)
			}
		})
	}
}
