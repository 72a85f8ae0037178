package cloud

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// RetryThrottledOnly wraps the SDK retryer of a create that takes no idempotency token
// (CreateVpc, CreateSubnet, AllocateAddress, ...). A throttled request never ran, so
// retrying it is safe and keeps a throttled account moving. Any other failure (a 5xx, a
// reset connection) may come after AWS acted, and a retry would create a second resource:
// that error goes back to the caller, whose next pass finds the first one by its tags.
func RetryThrottledOnly(r aws.Retryer) aws.Retryer {
	return throttledOnly{Retryer: r}
}

type throttledOnly struct{ aws.Retryer }

func (r throttledOnly) IsErrorRetryable(err error) bool {
	return IsThrottled(err) && r.Retryer.IsErrorRetryable(err)
}

// GetAttemptToken keeps the adaptive retryer's client-side rate limiting (aws.RetryerV2).
func (r throttledOnly) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	if v2, ok := r.Retryer.(aws.RetryerV2); ok {
		return v2.GetAttemptToken(ctx)
	}
	return r.GetInitialToken(), nil
}
