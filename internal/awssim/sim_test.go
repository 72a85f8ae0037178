package awssim_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/flaskops/flask-operator/internal/awssim"
)

// env is one simulator behind an httptest server, with real SDK clients pointed at it.
type env struct {
	sim   *awssim.Sim
	clock *awssim.ManualClock
	cfg   aws.Config
	ec2   *ec2.Client
	sts   *sts.Client
	url   string
}

func newEnv(t *testing.T, opts ...awssim.Option) *env {
	t.Helper()
	clock := awssim.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sim, err := awssim.New(append([]awssim.Option{awssim.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatalf("new sim: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := configFor(srv.URL, "us-east-1")
	return &env{sim: sim, clock: clock, cfg: cfg, url: srv.URL, ec2: ec2.NewFromConfig(cfg), sts: sts.NewFromConfig(cfg)}
}

func configFor(url, region string) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		// One attempt: injected faults must reach the test, not be retried away.
		RetryMaxAttempts: 1,
	}
}

// code returns the AWS error code the SDK decoded, or "" for nil.
func code(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("not an API error: %v", err)
	}
	return apiErr.ErrorCode()
}

func ctx() context.Context { return context.Background() }

func TestSTS(t *testing.T) {
	e := newEnv(t)
	id, err := e.sts.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if aws.ToString(id.Account) != "123456789012" || aws.ToString(id.Arn) == "" {
		t.Fatalf("identity = %+v", id)
	}
	out, err := e.sts.AssumeRole(ctx(), &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::123456789012:role/deployer"),
		RoleSessionName: aws.String("s1"),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	if aws.ToString(out.Credentials.AccessKeyId) == "" || out.Credentials.Expiration == nil ||
		aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::123456789012:assumed-role/deployer/s1" {
		t.Fatalf("assume role = %+v %+v", out.Credentials, out.AssumedRoleUser)
	}
	if !out.Credentials.Expiration.Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("expiration %v, want now+1h", out.Credentials.Expiration)
	}
	_, err = e.sts.AssumeRole(ctx(), &sts.AssumeRoleInput{RoleArn: aws.String("bad"), RoleSessionName: aws.String("s")})
	if got := code(t, err); got != "ValidationError" {
		t.Fatalf("bad role code = %q", got)
	}
	if n := e.sim.CallCount("sts", "AssumeRole"); n != 2 {
		t.Fatalf("AssumeRole calls = %d, want 2", n)
	}
}

func TestFaultsReachClientWithAWSCodes(t *testing.T) {
	e := newEnv(t)
	e.sim.FailNext("sts:GetCallerIdentity", "AccessDenied", 1)
	_, err := e.sts.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if got := code(t, err); got != "AccessDenied" {
		t.Fatalf("FailNext code = %q", got)
	}
	if _, err := e.sts.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("second call should pass: %v", err)
	}

	e.sim.SetFaults(awssim.Faults{ThrottleRate: 1})
	_, err = e.sts.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if got := code(t, err); got != "Throttling" {
		t.Fatalf("sts throttle code = %q", got)
	}
	_, err = e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{})
	if got := code(t, err); got != "RequestLimitExceeded" {
		t.Fatalf("ec2 throttle code = %q", got)
	}
	e.sim.SetFaults(awssim.Faults{ErrorRate: 1, Only: []string{"ec2"}})
	_, err = e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{})
	if got := code(t, err); got != "InternalError" {
		t.Fatalf("ec2 5xx code = %q", got)
	}
	if _, err := e.sts.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("faults scoped to ec2 must not hit sts: %v", err)
	}
	e.sim.SetFaults(awssim.Faults{Latency: awssim.Duration(50 * time.Millisecond)})
	start := time.Now()
	if _, err := e.sts.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Fatalf("latency not added")
	}
	calls := e.sim.Calls()
	if calls["ec2:DescribeVpcs"] != 2 || calls["sts:GetCallerIdentity"] != 5 {
		t.Fatalf("calls = %v", calls)
	}
	e.sim.Reset()
	if len(e.sim.Calls()) != 0 {
		t.Fatalf("Reset kept counters")
	}
}

func TestUnknownServiceErrorInTheCallersProtocol(t *testing.T) {
	e := newEnv(t)
	// A real SDK client of a service the simulator lacks (signin speaks restJson1).
	_, err := signin.NewFromConfig(e.cfg).RevokeOAuth2TokenWithIAM(ctx(), &signin.RevokeOAuth2TokenWithIAMInput{Token: aws.String("t")})
	expectCode(t, err, "UnknownService")

	// The other protocol families, by hand: each answer must be the envelope that family's
	// SDK deserializer reads the code from.
	type envelope struct {
		Code      string `xml:"Code"`       // REST-XML <Error><Code>
		QueryCode string `xml:"Error>Code"` // awsquery <ErrorResponse><Error><Code>
	}
	for _, tc := range []struct {
		name, service, method, path, contentType, target, body string
		wantRoot                                               string // XML root element, or "" for JSON
	}{
		{name: "JSON 1.1", service: "kinesis", method: http.MethodPost, contentType: "application/x-amz-json-1.1",
			target: "Kinesis_20131202.ListStreams", body: "{}"},
		{name: "JSON 1.0", service: "dynamodb", method: http.MethodPost, contentType: "application/x-amz-json-1.0",
			target: "DynamoDB_20120810.ListTables", body: "{}"},
		{name: "awsquery", service: "cloudformation", method: http.MethodPost, contentType: "application/x-www-form-urlencoded",
			body: "Action=DescribeStacks&Version=2010-05-15", wantRoot: "ErrorResponse"},
		{name: "REST-XML", service: "route53", method: http.MethodGet, path: "/2013-04-01/hostedzone", wantRoot: "Error"},
		{name: "restJson1", service: "eks", method: http.MethodGet, path: "/clusters"},
		{name: "the simulated GitHub is no AWS service", service: "github", method: http.MethodGet, path: "/repos/flaskops/sample-app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, e.url+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/"+tc.service+"/aws4_request, SignedHeaders=host, Signature=0")
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.target != "" {
				req.Header.Set("X-Amz-Target", tc.target)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, body)
			}
			if tc.wantRoot == "" {
				var doc struct {
					Type string `json:"__type"`
				}
				if err := json.Unmarshal(body, &doc); err != nil || doc.Type != "UnknownService" || resp.Header.Get("X-Amzn-ErrorType") != "UnknownService" {
					t.Fatalf("JSON error: header %q body %s (%v)", resp.Header.Get("X-Amzn-ErrorType"), body, err)
				}
				if tc.contentType != "" && resp.Header.Get("Content-Type") != tc.contentType {
					t.Fatalf("Content-Type %q, want the request's %q", resp.Header.Get("Content-Type"), tc.contentType)
				}
				return
			}
			var doc struct {
				XMLName xml.Name
				envelope
			}
			if err := xml.Unmarshal(body, &doc); err != nil || doc.XMLName.Local != tc.wantRoot || doc.Code+doc.QueryCode != "UnknownService" {
				t.Fatalf("XML error: root %q, body %s (%v)", doc.XMLName.Local, body, err)
			}
		})
	}
}
