// Package cloud is everything the stages share about talking to AWS: configuration,
// per-region clients, narrow per-service interfaces, the tag scheme, AWS names, and the
// one place where AWS errors are classified.
package cloud

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
)

// ErrNoRegion is returned when neither the flag nor the SDK's default chain names a region.
var ErrNoRegion = errors.New("no AWS region configured: pass --default-region or set AWS_REGION")

// LoadConfig reads the SDK's default chain (environment, shared config, IRSA web identity,
// EKS Pod Identity). AWS_ENDPOINT_URL is honoured by that chain, which is how the same
// binary talks to AWS, LocalStack or awssim. Retries use the adaptive mode, which also
// rate-limits the client when AWS throttles.
func LoadConfig(ctx context.Context, defaultRegion string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewAdaptiveMode()
		}),
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
