// Command awssim serves the AWS API simulator for the local demo:
//
//	awssim --addr 127.0.0.1:4566 --time-scale 0.01 --state /tmp/awssim.json
//
// It prints the shell exports that point the AWS SDKs at it, then serves until SIGINT or
// SIGTERM, saving the state file on the way out.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
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
	if err := run(); err != nil {
		slog.Error("awssim", "error", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:4566", "listen address")
	region := flag.String("region", "us-east-1", "region printed in the exports")
	timeScale := flag.Float64("time-scale", 1, "multiplier of simulated latencies: 1 AWS-like, 0.01 fast, 0 instant")
	state := flag.String("state", "", "JSON file to load state from and save it to (empty: in memory only)")
	pageSize := flag.Int("page-size", awssim.DefaultPageSize, "default page size of paginated operations")
	throttle := flag.Float64("throttle-rate", 0, "share of calls answered with a throttling error")
	errRate := flag.Float64("error-rate", 0, "share of calls answered with a 5xx InternalError")
	latency := flag.Duration("latency", 0, "latency added to every call")
	failNext := flag.String("fail-next", "", "comma-separated OP=CODE:N rules, e.g. ec2:CreateVpc=InternalError:2")
	flag.Parse()

	opts := []awssim.Option{awssim.WithTimeScale(*timeScale), awssim.WithPageSize(*pageSize)}
	if *state != "" {
		opts = append(opts, awssim.WithStateFile(*state))
	}
	sim, err := awssim.New(opts...)
	if err != nil {
		return fmt.Errorf("start simulator: %w", err)
	}
	sim.SetFaults(awssim.Faults{ThrottleRate: *throttle, ErrorRate: *errRate, Latency: awssim.Duration(*latency)})
	if err := applyFailNext(sim, *failNext); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	endpoint := "http://" + ln.Addr().String()
	fmt.Printf("export AWS_ENDPOINT_URL=%s\nexport AWS_REGION=%s\nexport AWS_ACCESS_KEY_ID=awssim\nexport AWS_SECRET_ACCESS_KEY=awssim\n", endpoint, *region)

	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	slog.Info("serving", "endpoint", endpoint, "timeScale", *timeScale, "state", *state)

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
