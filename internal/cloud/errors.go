package cloud

import (
	"errors"
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

// IsThrottled reports whether AWS asked us to slow down.
func IsThrottled(err error) bool {
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

// IsTerminal reports whether retrying cannot help: AWS refused the request as invalid,
// over a limit, or forbidden. The stage reports Stalled until the spec changes.
func IsTerminal(err error) bool {
	code := ErrorCode(err)
	switch code {
	case "CertificateNotFound", "InvalidConfigurationRequest", "TargetGroupAssociationLimit":
		// ELBv2: a certificate, subnet or target group the spec leads to cannot be used.
		return true
	case "InvalidParameterValue", "InvalidParameterCombination", "InvalidParameter",
		"InvalidParameterException", "InvalidParameterValueException", "ValidationError",
		"ValidationException", "InvalidSubnet.Range", "InvalidSubnet.Conflict", "InvalidVpc.Range",
		"InvalidRequest", "MissingParameter", "UnsupportedOperation", "IdempotentParameterMismatch",
		"InvalidClientTokenId", "AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
		"AddressLimitExceeded", "VpcLimitExceeded", "SubnetLimitExceeded", "NatGatewayLimitExceeded",
		"InternetGatewayLimitExceeded", "RouteTableLimitExceeded", "SecurityGroupLimitExceeded",
		"LimitExceededException", "LimitExceeded", "InvalidTagException", "TooManyTagsException",
		"InvalidAvailabilityZone", "KmsException", "BucketAlreadyExists", "MalformedPolicyDocument":
		return true
	case "ClientException": // ECS's code for a request it refused as invalid
		return !isECSTaskDefinitionMissing(err)
	}
	return false
}

// IsAccessDenied reports whether AWS refused the caller's permissions.
func IsAccessDenied(err error) bool {
	switch ErrorCode(err) {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
		return true
	}
	return false
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
