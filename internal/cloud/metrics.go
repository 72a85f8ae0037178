package cloud

import (
	"context"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// CodeNoResponse is the code label of a request that got no answer from AWS (a connection
// error, a timeout, a cancelled pass), which must not be counted as a success.
const CodeNoResponse = "NoResponse"

// apiCalls is on the manager's metrics endpoint, like every controller-runtime metric.
var apiCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "flaskops_aws_api_calls_total",
	Help: "AWS API requests by service, operation and AWS error code (empty: answered without error; " +
		CodeNoResponse + ": no answer). Each retry attempt is a request.",
}, []string{"service", "operation", "code"})

func init() {
	metrics.Registry.MustRegister(apiCalls)
}

// CountCalls adds the request counter to an SDK client's middleware stack (LoadConfig
// installs it; a configuration built by hand, as for the simulator, adds it to its
// APIOptions). It is the outermost step of deserialization, which runs once per attempt,
// so it sees every request that reached (or tried to reach) AWS with its answer decoded.
func CountCalls(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("flaskops.CountCalls",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (
			middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			code := ErrorCode(err)
			if err != nil && code == "" {
				code = CodeNoResponse
			}
			apiCalls.WithLabelValues(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), code).Inc()
			return out, md, err
		}), middleware.Before)
}
