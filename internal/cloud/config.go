// Package cloud is everything the stages share about talking to AWS: configuration,
// per-region clients, narrow per-service interfaces, the tag scheme, AWS names, and the
// one place where AWS errors are classified.
package cloud

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/middleware"
)

// DefaultHTTPTimeout bounds one AWS HTTP request, from dial to the last byte of the answer.
// No call the operator makes legitimately takes longer; without a bound, a connection AWS
// (or a proxy) leaves hanging would hold a reconcile worker forever.
const DefaultHTTPTimeout = 30 * time.Second

// ErrNoRegion is returned when neither the flag nor the SDK's default chain names a region.
var ErrNoRegion = errors.New("no AWS region configured: pass --default-region or set AWS_REGION")

// LoadConfig reads the SDK's default chain (environment, shared config, IRSA web identity,
// EKS Pod Identity). AWS_ENDPOINT_URL is honoured by that chain, which is how the same
// binary talks to AWS, LocalStack or awssim. Retries use the adaptive mode, which also
// rate-limits the client when AWS throttles. Each HTTP request (each attempt) is cut off
// after httpTimeout; a timed-out attempt is retried like any connection error. Every
// request is counted on the metrics endpoint by service, operation and error code.
func LoadConfig(ctx context.Context, defaultRegion string, httpTimeout time.Duration) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewAdaptiveMode()
		}),
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(httpTimeout)),
		config.WithAPIOptions([]func(*middleware.Stack) error{CountCalls}),
	}
	if defaultRegion != "" {
		opts = append(opts, config.WithRegion(defaultRegion))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, ErrNoRegion
	}
	return cfg, nil
}
