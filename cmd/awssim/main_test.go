package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

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
	for _, args := range [][]string{
		{"--time-scale", "fast"},
		{"--latency", "10"},
		{"--page-size", "x"},
		{"--no-such-flag"},
		{"--fail-next", "CreateVpc"},
		{"--drop-rate", "often"},
		{"--addr", "127.0.0.1:0", "extra"},
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
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--region", "eu-west-1", "--time-scale", "0", "--state", state, "--drop-rate", "1"}, w, io.Discard)
		w.Close()
	}()

	exports := map[string]string{}
	lines := bufio.NewScanner(out)
	for len(exports) < 4 && lines.Scan() {
		name, value, ok := strings.Cut(strings.TrimPrefix(lines.Text(), "export "), "=")
		if !ok {
			t.Fatalf("not an export: %q", lines.Text())
		}
		exports[name] = value
	}
	endpoint := exports["AWS_ENDPOINT_URL"]
	if !strings.HasPrefix(endpoint, "http://127.0.0.1:") || strings.HasSuffix(endpoint, ":0") {
		t.Fatalf("AWS_ENDPOINT_URL = %q, want the bound address", endpoint)
	}
	if exports["AWS_REGION"] != "eu-west-1" || exports["AWS_ACCESS_KEY_ID"] == "" || exports["AWS_SECRET_ACCESS_KEY"] == "" {
		t.Fatalf("exports = %v", exports)
	}

	// An SDK configured from nothing but the exports reaches the simulator.
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config")) // keep the developer's files out
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	for name, value := range exports {
		t.Setenv(name, value)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatalf("load SDK config: %v", err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != awssim.Account {
		t.Fatalf("GetCallerIdentity through the exports: %+v, %v", id, err)
	}
	// --drop-rate 1 drops the answer of every write (and of none of the reads above).
	_, err = sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s")},
		func(o *sts.Options) { o.RetryMaxAttempts = 1 })
	if err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("AssumeRole at --drop-rate 1: %v, want the connection closed without an answer", err)
	}

	// The state file is written on the way out.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("state file not saved: %v", err)
	}
}
