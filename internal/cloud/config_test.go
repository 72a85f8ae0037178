package cloud

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// isolate keeps the machine's own AWS configuration out of a test.
func isolate(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": dir + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_ENDPOINT_URL": "",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
}

func TestLoadConfig(t *testing.T) {
	t.Run("no region is a start-up error", func(t *testing.T) {
		isolate(t)
		if _, err := LoadConfig(context.Background(), "", DefaultHTTPTimeout); !errors.Is(err, ErrNoRegion) {
			t.Fatalf("err = %v, want ErrNoRegion", err)
		}
	})
	t.Run("the flag names the region", func(t *testing.T) {
		isolate(t)
		cfg, err := LoadConfig(context.Background(), "eu-west-1", DefaultHTTPTimeout)
		if err != nil || cfg.Region != "eu-west-1" {
			t.Fatalf("region %q, err %v", cfg.Region, err)
		}
	})
	t.Run("environment region, endpoint and adaptive retries", func(t *testing.T) {
		isolate(t)
		t.Setenv("AWS_REGION", "ap-south-1")
		t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
		cfg, err := LoadConfig(context.Background(), "", DefaultHTTPTimeout)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Region != "ap-south-1" {
			t.Errorf("region = %q, want ap-south-1", cfg.Region)
		}
		if aws.ToString(cfg.BaseEndpoint) != "http://127.0.0.1:4566" {
			t.Errorf("endpoint = %q, want AWS_ENDPOINT_URL", aws.ToString(cfg.BaseEndpoint))
		}
		if _, ok := cfg.Retryer().(*retry.AdaptiveMode); !ok {
			t.Errorf("retryer = %T, want adaptive mode", cfg.Retryer())
		}
	})
}

// isolateWithEndpoint is isolate plus a region, static credentials and an endpoint, so that
// a test's SDK calls go to url and nowhere else.
func isolateWithEndpoint(t *testing.T, url string) {
	t.Helper()
	isolate(t)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL", url)
}

func TestEveryRequestIsCutOffAtTheHTTPTimeout(t *testing.T) {
	release := make(chan struct{})
	var requests atomic.Int32
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		<-release // AWS, or a proxy, never answers
	}))
	defer hanging.Close()
	defer close(release)
	isolateWithEndpoint(t, hanging.URL)

	cfg, err := LoadConfig(context.Background(), "", 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// The context would end a hanging call too; only the client's own timeout ends it first.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = NewClients(cfg).EC2("us-east-1").DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	var netErr net.Error
	if !errors.As(err, &netErr) || !netErr.Timeout() {
		t.Fatalf("err = %v, want the HTTP client's timeout", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the call ran until the context ended: the HTTP client has no timeout")
	}
	if requests.Load() == 0 {
		t.Fatal("the request never reached the server")
	}
}

func TestAnEndpointThatDoesNotResolveIsTerminalAtOnce(t *testing.T) {
	isolateWithEndpoint(t, "https://ec2.xx-nowhere-1.amazonaws.com")
	cfg, err := LoadConfig(context.Background(), "", DefaultHTTPTimeout)
	if err != nil {
		t.Fatal(err)
	}
	client, ok := cfg.HTTPClient.(*awshttp.BuildableClient)
	if !ok || client.GetTimeout() != DefaultHTTPTimeout {
		t.Fatalf("HTTP client = %T, want the SDK's buildable client with the timeout", cfg.HTTPClient)
	}
	// The dialer answers as the resolver does for a host that does not exist, so that the
	// test needs no DNS.
	var dials atomic.Int32
	cfg.HTTPClient = client.WithTransportOptions(func(tr *http.Transport) {
		tr.DialContext = func(_ context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			host, _, _ := net.SplitHostPort(addr)
			return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
		}
	})

	_, err = NewClients(cfg).EC2("us-east-1").DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	if !IsUnresolvableEndpoint(err) || !IsTerminal(err) {
		t.Fatalf("err = %v, want an unresolvable endpoint, classed terminal", err)
	}
	if dials.Load() != 1 {
		t.Errorf("dialled %d times, want 1: no retry can resolve a host that does not exist", dials.Load())
	}
}

func TestClientsArePerRegionAndPathStyleS3(t *testing.T) {
	c := NewClients(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:4566")})
	if c.EC2("us-east-1") != c.EC2("us-east-1") {
		t.Error("the same region must reuse its client")
	}
	if c.EC2("us-east-1") == c.EC2("eu-west-1") {
		t.Error("different regions need different clients")
	}
	if got := c.EC2("eu-west-1").Options().Region; got != "eu-west-1" {
		t.Errorf("client region = %q, want eu-west-1", got)
	}
	if !c.S3("us-east-1").Options().UsePathStyle {
		t.Error("S3 against a custom endpoint must address buckets by path")
	}
}
