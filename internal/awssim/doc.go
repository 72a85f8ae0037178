// Package awssim is a stateful, in-process simulator of the AWS APIs the operator calls.
// The real aws-sdk-go-v2 clients talk to it over HTTP (BaseEndpoint or AWS_ENDPOINT_URL),
// so request serialization, error decoding, retries and paginators are exercised exactly as
// against AWS.
//
// Starting it in a test:
//
//	clock := awssim.NewManualClock(time.Now())
//	sim, err := awssim.New(awssim.WithClock(clock))
//	srv := httptest.NewServer(sim)
//	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), ...}
//	ec2.NewFromConfig(cfg)
//
// Routing: a request goes to the service named in its SigV4 credential scope
// (Credential=AKID/date/REGION/SERVICE/aws4_request); the operation comes from X-Amz-Target
// (JSON 1.1), the /service/<name>/operation/<op> path of Smithy RPC v2 CBOR (for services
// that set CBOR, as the Tagging API does; cbor.go), the Action form field (EC2 query and
// awsquery) or the service's Route func (REST protocols such as S3). Any credentials are accepted. The region of the scope selects
// the regional state. A request for a service the simulator lacks is answered UnknownService
// in the error envelope its protocol family expects, so the caller's SDK reads the code.
//
// Time: long-running transitions (NAT gateways, load balancers, ECS deployments) are stored as
// timestamps and evaluated lazily against the simulator's Clock when read, so no goroutines
// run. Sim.Delay scales the per-kind latencies in DefaultLatencies by the time scale, except
// retention periods (a deleted NAT gateway stays listed for an hour at any scale). Durations
// that come from a resource's own settings scale too: a target passes its health checks
// HealthyThresholdCount x HealthCheckIntervalSeconds after its task runs and its load
// balancer is active (150 s with AWS's defaults, after 180 s of provisioning), an ECS service
// waits for that and for its healthCheckGracePeriodSeconds (during which it ignores the
// checks) before its rollout completes, and a deregistered target drains for its group's
// deregistration delay. A DNS-validated ACM certificate is ISSUED LatencyACMValidation after
// the request (at once at time scale 0).
//
// Adding a service is a one-file job: in a new file (say ecr.go) define a state struct with
// exported, JSON-serializable fields that implements State (Reset and Live), and register a
// constructor from init:
//
//	func init() { register(newECR) }
//
//	func newECR(sim *Sim) *Service {
//		st := &ecrState{}
//		st.Reset()
//		return &Service{
//			Name: "ecr", Protocol: JSON11,
//			TargetPrefix: "AmazonEC2ContainerRegistry_V20150921",
//			State: st,
//			Ops: map[string]Op{"CreateRepository": st.createRepository},
//		}
//	}
//
// An Op runs with the simulator's lock held, reads its input from Call (Params for query
// protocols, DecodeJSON for JSON, HTTP for REST), and returns either an output value, which
// the protocol encoder writes (XML elements for query protocols, JSON for JSON 1.1), or an
// *APIError, which is written in the protocol's error envelope. REST ops may return a
// *RawResponse for full control over status, headers and body. Shared helpers: Params
// (flattened query lists), ParseFilters/MatchFilters, Paginate, Idempotency (ClientToken),
// TagStore, NewID, Timestamp/EpochSeconds.
//
// Each operation also needs an entry in authzRules (authz_resources.go): the IAM action and
// the resource ARNs it is checked against, after the Service Authorization Reference.
//
// Authorization: with WithIdentityPolicy (or SetIdentityPolicy) every call is evaluated
// against that identity policy as IAM does for a caller whose only permissions it holds
// (iampolicy.go): implicit deny, explicit Deny first, wildcards, NotAction/NotResource and
// the common condition operators, with aws:ResourceTag read from the simulator's state,
// aws:RequestTag/aws:TagKeys from the request, iam:PassRole for roles handed to ECS,
// CodeBuild and CodePipeline, and the tagging action a create with tags implies
// (ec2:CreateTags with ec2:CreateAction, ecs:TagResource, iam:TagRole, ...). A refusal is
// UnauthorizedOperation (EC2), AccessDenied (awsquery, S3) or AccessDeniedException (JSON).
// UsedActions lists what the policy allowed. Admin endpoints are never checked.
//
// A service that needs another's state (an ELBv2 load balancer placing interfaces in EC2
// subnets) reaches it through c.Sim().Service("ec2").State; the lock is already held.
//
// Wire details worth knowing, all as AWS sends them: EC2 errors use <Response><Errors>,
// awsquery errors <ErrorResponse><Error><Type>; throttling is RequestLimitExceeded (EC2, HTTP
// 503), Throttling (awsquery), ThrottlingException (JSON) or SlowDown (S3); an IGW attachment
// state is "available" and a NAT gateway interface type "nat_gateway", although the SDK enums
// say "attached" and "natGateway"; releasing an EIP a NAT gateway still holds is AuthFailure.
//
// Test controls: SetFaults (throttling share, 5xx share, share of writes whose answer is
// dropped, added latency), FailNext, DropAnswerNext (applied, then the connection closes
// without an answer), Calls, ListLive, Reset, Save, SetIdentityPolicy, UsedActions;
// ApproveConnection stands in for the person completing a CodeStar connection's handshake,
// RegisterGitHubToken and PushGitHub for GitHub (github.go); SetImageHealth makes the targets
// of tasks running an image fail their health checks, so ECS replaces those tasks and the
// deployment circuit breaker trips (health.go). The same controls are served under /_awssim/
// (see admin.go). Name and tag rules of created resources live in names.go.
package awssim
