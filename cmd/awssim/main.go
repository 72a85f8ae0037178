// Command awssim serves the AWS API simulator for the local demo:
//
//	awssim --addr 127.0.0.1:4566 --time-scale 0.01 --state /tmp/awssim.json
//	awssim --iam-policy bin/iam/operator-policy.json  # refuse what the policy does not allow (make iam-policies CLUSTER_NAME=local)
//
// It prints the shell exports that point the AWS SDKs at it, then serves until SIGINT or
// SIGTERM, saving the state file on the way out. The aws CLI reads them too, but versions
// before AWS_ENDPOINT_URL (Debian 12's 2.9) need the endpoint as a flag:
//
//	aws --endpoint-url $AWS_ENDPOINT_URL ssm get-parameters-by-path --path /flaskops --recursive
//	aws --endpoint-url $AWS_ENDPOINT_URL resourcegroupstaggingapi get-resources --tag-filters Key=K,Values=V
//
// The test controls are served on the same address under /_awssim/ (internal/awssim/admin.go):
// the inventory, faults, the CodeStar connection handshake, the simulated GitHub and the
// health of images. A push starts every pipeline that watches the branch, and "fail": true
// makes its build fail:
//
//	curl -X POST localhost:4566/_awssim/github/push \
//	  -d '{"owner":"flaskops","repo":"sample-app","branch":"main","commit":"<40-hex sha>","fail":false}'
//
// An image marked unhealthy fails the load balancer health checks of the tasks running it,
// so ECS replaces them and the deployment circuit breaker trips, as a broken release does:
//
//	curl -X POST localhost:4566/_awssim/images/health -d '{"image":"<image>","healthy":false}'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flaskops/flask-operator/internal/awssim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the usage is printed already
	case err != nil:
		slog.Error("awssim", "error", err)
		os.Exit(1)
	}
}

// run parses args, prints the exports to stdout and serves until ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("awssim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:4566", "listen address")
	region := fs.String("region", "us-east-1", "region printed in the exports")
	timeScale := fs.Float64("time-scale", 1, "multiplier of simulated latencies: 1 AWS-like, 0.01 fast, 0 instant")
	state := fs.String("state", "", "JSON file to load state from and save it to (empty: in memory only)")
	pageSize := fs.Int("page-size", awssim.DefaultPageSize, "default page size of paginated operations")
	throttle := fs.Float64("throttle-rate", 0, "share of calls answered with a throttling error")
	errRate := fs.Float64("error-rate", 0, "share of calls answered with a 5xx InternalError")
	dropRate := fs.Float64("drop-rate", 0, "share of mutating calls that run and then close the connection without an answer")
	latency := fs.Duration("latency", 0, "latency added to every call")
	failNext := fs.String("fail-next", "", "comma-separated OP=CODE:N rules, e.g. ec2:CreateVpc=InternalError:2")
	iamPolicy := fs.String("iam-policy", "", "IAM identity policy (JSON file) every call is authorized against (empty: all calls allowed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	opts := []awssim.Option{awssim.WithTimeScale(*timeScale), awssim.WithPageSize(*pageSize)}
	if *state != "" {
		opts = append(opts, awssim.WithStateFile(*state))
	}
	if *iamPolicy != "" {
		doc, err := os.ReadFile(*iamPolicy)
		if err != nil {
			return fmt.Errorf("read --iam-policy: %w", err)
		}
		opts = append(opts, awssim.WithIdentityPolicy(doc))
	}
	sim, err := awssim.New(opts...)
	if err != nil {
		return fmt.Errorf("start simulator: %w", err)
	}
	sim.SetFaults(awssim.Faults{ThrottleRate: *throttle, ErrorRate: *errRate, DropRate: *dropRate, Latency: awssim.Duration(*latency)})
	if err := applyFailNext(sim, *failNext); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	endpoint := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "export AWS_ENDPOINT_URL=%s\nexport AWS_REGION=%s\nexport AWS_ACCESS_KEY_ID=awssim\nexport AWS_SECRET_ACCESS_KEY=awssim\n", endpoint, *region)

	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	slog.Info("serving", "endpoint", endpoint, "timeScale", *timeScale, "state", *state, "iamPolicy", *iamPolicy)

	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		slog.Warn("shutdown", "error", err)
	}
	if err := sim.Save(); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// applyFailNext parses "ec2:CreateVpc=InternalError:2,CreateSubnet=RequestLimitExceeded:1".
func applyFailNext(sim *awssim.Sim, spec string) error {
	if spec == "" {
		return nil
	}
	for _, rule := range strings.Split(spec, ",") {
		op, rest, ok := strings.Cut(rule, "=")
		code, count, ok2 := strings.Cut(rest, ":")
		n, err := strconv.Atoi(count)
		if !ok || !ok2 || err != nil || op == "" || code == "" {
			return fmt.Errorf("parse --fail-next rule %q: want OP=CODE:N", rule)
		}
		sim.FailNext(op, code, n)
	}
	return nil
}
