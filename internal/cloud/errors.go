package cloud

import (
	"errors"
	"net"
	"strings"

	"github.com/aws/smithy-go"
)

// ErrorCode returns the AWS error code in err's chain, or "".
func ErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// ErrorMessage returns the AWS error message in err's chain, or err's text.
func ErrorMessage(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorMessage()
	}
	return err.Error()
}

// notFoundCodes are the non-EC2 not-found codes; EC2's follow the Invalid<Thing>.NotFound
// pattern and are matched by shape.
var notFoundCodes = map[string]bool{
	"NatGatewayNotFound":                 true,
	"LoadBalancerNotFound":               true,
	"TargetGroupNotFound":                true,
	"ListenerNotFound":                   true,
	"RepositoryNotFoundException":        true,
	"LifecyclePolicyNotFoundException":   true,
	"RepositoryPolicyNotFoundException":  true,
	"ImageNotFoundException":             true,
	"ParameterNotFound":                  true,
	"NoSuchEntity":                       true,
	"NoSuchBucket":                       true,
	"NoSuchKey":                          true,
	"NotFound":                           true,
	"ResourceNotFoundException":          true,
	"ClusterNotFoundException":           true,
	"ServiceNotFoundException":           true,
	"PipelineNotFoundException":          true,
	"PipelineExecutionNotFoundException": true,
	"ConnectionNotFoundException":        true,
	"ServiceNotActiveException":          true, // ECS: the service is INACTIVE (deleted)
	"ObjectNotFoundException":            true, // Application Auto Scaling
}

// IsNotFound reports whether AWS said the resource does not exist. EC2 spells these
// "Invalid<Thing>ID.NotFound"; the other services have their own names.
func IsNotFound(err error) bool {
	code := ErrorCode(err)
	return notFoundCodes[code] || (strings.HasSuffix(code, ".NotFound") && strings.HasPrefix(code, "Invalid")) ||
		isECSTaskDefinitionMissing(err)
}

// isECSTaskDefinitionMissing reports ECS's answer for a task definition that does not
// exist: it has no code of its own, only a ClientException with this message.
func isECSTaskDefinitionMissing(err error) bool {
	if ErrorCode(err) != "ClientException" {
		return false
	}
	msg := ErrorMessage(err)
	return strings.Contains(msg, "Unable to describe task definition") || strings.Contains(msg, "task definition does not exist")
}

// IsNoSuchConfiguration reports whether S3 said a bucket that exists has no configuration
// of the kind asked for: no tags, no lifecycle rules, no public access block, no default
// encryption. Unlike IsNotFound, the bucket is there.
func IsNoSuchConfiguration(err error) bool {
	switch ErrorCode(err) {
	case "NoSuchTagSet", "NoSuchLifecycleConfiguration", "NoSuchPublicAccessBlockConfiguration",
		"ServerSideEncryptionConfigurationNotFoundError":
		return true
	}
	return false
}

// IsDependencyViolation reports whether AWS refused a delete because something still uses
// the resource (ENIs draining from a subnet, an IGW with mapped addresses). It is a wait.
func IsDependencyViolation(err error) bool {
	switch ErrorCode(err) {
	case "DependencyViolation", "ResourceInUse", "ResourceInUseException", "InvalidIPAddress.InUse",
		"DeleteConflict", "BucketNotEmpty", "RepositoryNotEmptyException",
		"ClusterContainsServicesException", "ClusterContainsTasksException":
		return true
	}
	return false
}

// IsThrottled reports whether AWS asked us to slow down, or our own request budget did
// (ErrRateBudget).
func IsThrottled(err error) bool {
	if errors.Is(err, ErrRateBudget) {
		return true
	}
	switch ErrorCode(err) {
	case "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
		"TooManyRequestsException", "RequestThrottled", "SlowDown", "RequestThrottledException",
		"ProvisionedThroughputExceededException", "LimitExceededException.Throttling":
		return true
	}
	return false
}

// IsAlreadyExists reports whether a create found the name taken.
func IsAlreadyExists(err error) bool {
	switch ErrorCode(err) {
	case "RepositoryAlreadyExistsException", "ParameterAlreadyExists", "EntityAlreadyExists",
		"ResourceAlreadyExistsException", "PipelineNameInUseException", "BucketAlreadyOwnedByYou",
		"DuplicateLoadBalancerName", "DuplicateTargetGroupName", "InvalidGroup.Duplicate",
		"RouteAlreadyExists", "Resource.AlreadyAssociated", "InvalidPermission.Duplicate":
		return true
	}
	return false
}

// terminalCodes says, per AWS error code, whether retrying the same request can change the
// answer: true where the request is invalid, names something the spec leads to that does
// not exist or cannot be used, or is over an account quota; false for the few codes that
// look like a terminal pattern of IsTerminal but pass with time. Codes not listed here
// follow those patterns.
var terminalCodes = map[string]bool{
	// Any service: the request itself was refused as invalid.
	"ValidationError": true, "ValidationException": true, "InvalidRequest": true, "MissingParameter": true,
	"UnsupportedOperation": true, "IdempotentParameterMismatch": true, "InvalidInput": true,
	"InvalidInputException": true, "InvalidArgument": true, "InvalidTagException": true,
	"InvalidTagParameterException": true, "InvalidTagsException": true, "InvalidArnException": true,
	// EC2: address ranges, zones, and an account or region not enabled.
	"InvalidSubnet.Range": true, "InvalidSubnet.Conflict": true, "InvalidVpc.Range": true,
	"InvalidAvailabilityZone": true, "OptInRequired": true, "Blocked": true,
	// ELBv2: a subnet, security group, certificate or policy the spec leads to cannot be used.
	"SubnetNotFound": true, "InvalidSubnet": true, "InvalidSecurityGroup": true, "InvalidScheme": true,
	"CertificateNotFound": true, "InvalidConfigurationRequest": true, "TargetGroupAssociationLimit": true,
	"SSLPolicyNotFound": true, "ALPNPolicyNotFound": true, "IncompatibleProtocols": true,
	"UnsupportedProtocol": true, "OperationNotPermitted": true, "AvailabilityZoneNotSupported": true,
	"DuplicateTagKeys": true, "InvalidTarget": true, "InvalidLoadBalancerAction": true,
	// IAM.
	"MalformedPolicyDocument": true, "PolicyNotAttachable": true, "UnmodifiableEntity": true,
	// ECS.
	"PlatformUnknownException": true, "PlatformTaskDefinitionIncompatibilityException": true,
	"UnsupportedFeatureException": true, "BlockedException": true,
	// ECR and SSM: a key or parameter the spec names is unusable.
	"KmsException": true, "InvalidKeyId": true, "ParameterPatternMismatchException": true,
	"HierarchyTypeMismatchException": true, "UnsupportedParameterType": true,
	// S3: the bucket name is invalid or taken by another account, or the region is wrong.
	"InvalidBucketName": true, "BucketAlreadyExists": true, "InvalidLocationConstraint": true,
	"IllegalLocationConstraintException": true,
	// CodeBuild and CodePipeline.
	"AccountSuspendedException": true, "InvalidStructureException": true,
	"InvalidActionDeclarationException": true, "InvalidStageDeclarationException": true,
	"InvalidBlockerDeclarationException": true,
	// Look-alikes that pass: SSM's TooManyUpdates is a concurrent update of the same
	// parameter; CodePipeline's limit is on executions in flight, which finish.
	"TooManyUpdates": false, "ConcurrentPipelineExecutionsLimitExceededException": false,
}

// IsTerminal reports whether retrying cannot help: AWS refused the request as invalid, over
// a quota, or forbidden, or the service endpoint does not exist (IsUnresolvableEndpoint).
// The stage reports Stalled until the spec or the account changes. Throttling is never
// terminal, though RequestLimitExceeded looks like a quota.
func IsTerminal(err error) bool {
	if IsThrottled(err) {
		return false
	}
	if IsAccessDenied(err) || IsUnresolvableEndpoint(err) {
		return true
	}
	code := ErrorCode(err)
	if code == "ClientException" { // ECS's code for a request it refused as invalid
		return !isECSTaskDefinitionMissing(err)
	}
	if terminal, listed := terminalCodes[code]; listed {
		return terminal
	}
	// EC2's InvalidParameterValue and kin (also the JSON services' InvalidParameterException),
	// EC2's malformed IDs, every service's quotas (VpcLimitExceeded, LimitExceeded,
	// LimitExceededException, AccountLimitExceededException, ...) and ELBv2's, S3's and the
	// JSON services' count quotas (TooManyLoadBalancers, TooManyBuckets, TooManyTagsException).
	return strings.HasPrefix(code, "InvalidParameter") || strings.HasSuffix(code, ".Malformed") ||
		strings.HasSuffix(code, "LimitExceeded") || strings.HasSuffix(code, "LimitExceededException") ||
		strings.HasPrefix(code, "TooMany")
}

// IsAccessDenied reports whether AWS refused the caller's permissions or credentials.
func IsAccessDenied(err error) bool {
	switch ErrorCode(err) {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthFailure",
		"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", "SignatureDoesNotMatch":
		return true
	}
	return false
}

// IsUnresolvableEndpoint reports whether the service endpoint's host name does not exist
// (DNS "no such host"), as for a region AWS does not have: the SDK does not retry it and
// neither should we. A DNS timeout or a resolver failure is not this; that may pass.
func IsUnresolvableEndpoint(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && dnsErr.IsNotFound
}

// IsAddressInUse reports whether ReleaseAddress was refused because the Elastic IP is still
// associated. For an address a NAT gateway (even a deleting one) holds, AWS answers
// AuthFailure rather than a dependency code, so this is only meaningful on ReleaseAddress.
func IsAddressInUse(err error) bool {
	switch ErrorCode(err) {
	case "InvalidIPAddress.InUse", "AuthFailure":
		return true
	}
	return false
}

// IsIdempotencyMismatch reports whether a ClientToken was reused with other parameters: the
// token is spent, and a new attempt needs a new one.
func IsIdempotencyMismatch(err error) bool {
	return ErrorCode(err) == "IdempotentParameterMismatch"
}

// IsNotAttached reports whether an internet gateway was not attached to the VPC named.
func IsNotAttached(err error) bool {
	return ErrorCode(err) == "Gateway.NotAttached"
}
