package cloud

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
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
		if _, err := LoadConfig(context.Background(), ""); !errors.Is(err, ErrNoRegion) {
			t.Fatalf("err = %v, want ErrNoRegion", err)
		}
	})
	t.Run("the flag names the region", func(t *testing.T) {
		isolate(t)
		cfg, err := LoadConfig(context.Background(), "eu-west-1")
		if err != nil || cfg.Region != "eu-west-1" {
			t.Fatalf("region %q, err %v", cfg.Region, err)
		}
	})
	t.Run("environment region, endpoint and adaptive retries", func(t *testing.T) {
		isolate(t)
		t.Setenv("AWS_REGION", "ap-south-1")
		t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
		cfg, err := LoadConfig(context.Background(), "")
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
