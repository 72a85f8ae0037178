package awssim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Protocol is the wire protocol family of a service.
type Protocol int

const (
	// EC2Query is form-encoded input with EC2's own XML output and error envelope.
	EC2Query Protocol = iota
	// AWSQuery is form-encoded input with <XResponse><XResult> output (STS, IAM, ELBv2).
	AWSQuery
	// JSON11 is the awsJson1_1 protocol (ECR, ECS, SSM, Logs, CodeBuild, CodePipeline).
	JSON11
	// JSON10 is the awsJson1_0 protocol (CodeStar Connections): JSON 1.1 with another
	// content type.
	JSON10
	// RESTXML is the REST protocol with XML bodies (S3).
	RESTXML
	// RPCv2CBOR is Smithy RPC v2 CBOR, which services that set Service.CBOR speak besides
	// awsJson (cbor.go).
	RPCv2CBOR
)

// isJSON reports whether p is one of the awsJson protocols.
func (p Protocol) isJSON() bool { return p == JSON10 || p == JSON11 }

// contentType is the Content-Type of an awsJson protocol's responses.
func (p Protocol) contentType() string {
	if p == JSON10 {
		return "application/x-amz-json-1.0"
	}
	return "application/x-amz-json-1.1"
}

// Op implements one API operation. It runs with the simulator lock held.
type Op func(c *Call) (any, error)

// State is a service's whole state. Its exported fields must round-trip through
// encoding/json: that is how persistence works.
type State interface {
	// Reset empties the state (and must leave maps ready for use).
	Reset()
	// Live lists every resource that exists now, for leak checks.
	Live(now time.Time) []Resource
}

// Service describes one simulated AWS service.
type Service struct {
	// Name is the SigV4 signing name: "ec2", "sts", "ecr", "s3", "elasticloadbalancing".
	Name     string
	Protocol Protocol
	// XMLNS is the namespace of query-protocol responses.
	XMLNS string
	// TargetPrefix is the part of X-Amz-Target before the dot (JSON 1.1), which is also the
	// service shape name in RPC v2 CBOR paths.
	TargetPrefix string
	// CBOR makes an awsJson service reachable over Smithy RPC v2 CBOR too, as AWS serves it.
	CBOR bool
	// Route names the operation of a REST request ("" when unknown).
	Route func(r *http.Request) string
	Ops   map[string]Op
	State State
}

// Resource is one live resource, as listed by Sim.ListLive.
type Resource struct {
	Service string            `json:"service"`
	Type    string            `json:"type"`
	ID      string            `json:"id"`
	Region  string            `json:"region"`
	Tags    map[string]string `json:"tags,omitempty"`
}

// Call is one API request as seen by an Op.
type Call struct {
	Service   string
	Op        string
	Region    string
	RequestID string
	// Now is the simulated time of the request.
	Now time.Time
	// Params is the decoded form of query-protocol requests (nil otherwise).
	Params *Params
	// Body is the raw request body.
	Body []byte
	HTTP *http.Request
	sim  *Sim
}

// Sim returns the simulator serving the call, for cross-service lookups and Delay.
func (c *Call) Sim() *Sim { return c.sim }

// Delay is the scaled latency of a resource kind (see DefaultLatencies).
func (c *Call) Delay(kind string) time.Duration { return c.sim.Delay(kind) }

// DecodeJSON decodes a JSON 1.1 request body into v.
func (c *Call) DecodeJSON(v any) error {
	if len(c.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.Body, v); err != nil {
		return Errorf("SerializationException", "cannot decode request: %v", err)
	}
	return nil
}

// RawResponse lets REST operations write status, headers and body themselves.
type RawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// APIError is an AWS error as the protocol encoders write it.
type APIError struct {
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// Errorf returns a client (HTTP 400) error with an AWS error code.
func Errorf(code, format string, args ...any) *APIError {
	return &APIError{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithStatus sets the HTTP status of the error (S3 NoSuchBucket is 404, for example).
func (e *APIError) WithStatus(status int) *APIError {
	e.Status = status
	return e
}

// registry holds the constructors of the built-in services; each service file adds itself
// from init so that adding a service touches one file.
var registry []func(*Sim) *Service

func register(f func(*Sim) *Service) { registry = append(registry, f) }
