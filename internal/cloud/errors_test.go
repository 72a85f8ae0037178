package cloud

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"

	"github.com/aws/smithy-go"
)

func TestClassification(t *testing.T) {
	// dnsNotFound is what the SDK returns for an endpoint whose host does not exist: the
	// dialer's DNS error inside the url.Error inside the SDK's send and operation errors.
	dnsNotFound := &smithy.OperationError{ServiceID: "EC2", OperationName: "DescribeVpcs", Err: &url.Error{
		Op: "Post", URL: "https://ec2.xx-nowhere-1.amazonaws.com/",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "ec2.xx-nowhere-1.amazonaws.com", IsNotFound: true}},
	}}
	dnsTimeout := &url.Error{Op: "Post", URL: "https://ec2.us-east-1.amazonaws.com/",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "i/o timeout", Name: "ec2.us-east-1.amazonaws.com", IsTimeout: true}}}

	tests := []struct {
		code string // an AWS error code, or the name of err
		err  error  // nil: an AWS error with code

		notFound, dependency, throttled, terminal, accessDenied bool
	}{
		{code: "InvalidVpcID.NotFound", notFound: true},
		{code: "InvalidSubnetID.NotFound", notFound: true},
		{code: "NatGatewayNotFound", notFound: true},
		{code: "RepositoryNotFoundException", notFound: true},
		{code: "ParameterNotFound", notFound: true},
		{code: "ServiceNotActiveException", notFound: true},
		{code: "ObjectNotFoundException", notFound: true},
		{code: "ClusterNotFoundException", notFound: true},
		{code: "NoSuchEntity", notFound: true},
		{code: "TargetGroupNotFound", notFound: true},
		{code: "DependencyViolation", dependency: true},
		{code: "RepositoryNotEmptyException", dependency: true},
		{code: "ClusterContainsServicesException", dependency: true},
		{code: "ResourceInUse", dependency: true},
		// Throttling is retried, even where it is spelled like a quota.
		{code: "RequestLimitExceeded", throttled: true},
		{code: "ThrottlingException", throttled: true},
		{code: "Throttling", throttled: true},
		{code: "TooManyRequestsException", throttled: true},
		{code: "SlowDown", throttled: true},
		// Retriable look-alikes of terminal patterns.
		{code: "TooManyUpdates"},
		{code: "ConcurrentPipelineExecutionsLimitExceededException"},
		{code: "InternalError"},
		{code: "ServiceUnavailable"},
		{code: "IncorrectState"},
		// ELBv2.
		{code: "SubnetNotFound", terminal: true},
		{code: "InvalidSubnet", terminal: true},
		{code: "InvalidSecurityGroup", terminal: true},
		{code: "CertificateNotFound", terminal: true},
		{code: "InvalidConfigurationRequest", terminal: true},
		{code: "ValidationError", terminal: true},
		{code: "TooManyLoadBalancers", terminal: true},
		{code: "TooManyTargetGroups", terminal: true},
		{code: "TooManyListeners", terminal: true},
		{code: "TooManyRules", terminal: true},
		{code: "TooManyTags", terminal: true},
		{code: "TooManyCertificates", terminal: true},
		{code: "SSLPolicyNotFound", terminal: true},
		{code: "OperationNotPermitted", terminal: true},
		// EC2.
		{code: "InvalidParameterValue", terminal: true},
		{code: "InvalidParameterCombination", terminal: true},
		{code: "InvalidParameter", terminal: true},
		{code: "InvalidSubnet.Conflict", terminal: true},
		{code: "InvalidSubnet.Range", terminal: true},
		{code: "InvalidVpcID.Malformed", terminal: true},
		{code: "InvalidAvailabilityZone", terminal: true},
		{code: "OptInRequired", terminal: true},
		{code: "VpcLimitExceeded", terminal: true},
		{code: "AddressLimitExceeded", terminal: true},
		{code: "NatGatewayLimitExceeded", terminal: true},
		{code: "RulesPerSecurityGroupLimitExceeded", terminal: true},
		{code: "UnauthorizedOperation", terminal: true, accessDenied: true},
		{code: "AuthFailure", terminal: true, accessDenied: true},
		// IAM and STS.
		{code: "MalformedPolicyDocument", terminal: true},
		{code: "LimitExceeded", terminal: true},
		{code: "InvalidInput", terminal: true},
		{code: "AccessDenied", terminal: true, accessDenied: true},
		{code: "InvalidClientTokenId", terminal: true, accessDenied: true},
		// ECS and ECR.
		{code: "ClientException", terminal: true},
		{code: "InvalidParameterException", terminal: true},
		{code: "LimitExceededException", terminal: true},
		{code: "TooManyTagsException", terminal: true},
		{code: "AccessDeniedException", terminal: true, accessDenied: true},
		{code: "UnrecognizedClientException", terminal: true, accessDenied: true},
		// SSM.
		{code: "ParameterLimitExceeded", terminal: true},
		{code: "HierarchyLevelLimitExceededException", terminal: true},
		{code: "TooManyTagsError", terminal: true},
		// S3.
		{code: "InvalidBucketName", terminal: true},
		{code: "TooManyBuckets", terminal: true},
		{code: "BucketAlreadyExists", terminal: true},
		{code: "IllegalLocationConstraintException", terminal: true},
		// CodeBuild and CodePipeline.
		{code: "InvalidInputException", terminal: true},
		{code: "AccountLimitExceededException", terminal: true},
		{code: "ValidationException", terminal: true},
		{code: "InvalidStructureException", terminal: true},
		// Not AWS answers at all: a region whose endpoint does not exist is terminal, a DNS
		// timeout and a plain error are not.
		{code: "endpoint host not found", err: dnsNotFound, terminal: true},
		{code: "DNS timeout", err: dnsTimeout},
		{code: "plain error", err: errors.New("plain")},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			err := tt.err
			if err == nil {
				err = &smithy.GenericAPIError{Code: tt.code, Message: "m"}
			}
			err = fmt.Errorf("create thing: %w", err)
			if got := IsNotFound(err); got != tt.notFound {
				t.Errorf("IsNotFound = %v", got)
			}
			if got := IsDependencyViolation(err); got != tt.dependency {
				t.Errorf("IsDependencyViolation = %v", got)
			}
			if got := IsThrottled(err); got != tt.throttled {
				t.Errorf("IsThrottled = %v", got)
			}
			if got := IsTerminal(err); got != tt.terminal {
				t.Errorf("IsTerminal = %v", got)
			}
			if got := IsAccessDenied(err); got != tt.accessDenied {
				t.Errorf("IsAccessDenied = %v", got)
			}
		})
	}
	if !IsAddressInUse(&smithy.GenericAPIError{Code: "AuthFailure"}) || IsAddressInUse(&smithy.GenericAPIError{Code: "DependencyViolation"}) {
		t.Fatal("IsAddressInUse must match AWS's answer for an EIP a NAT gateway holds, and only that")
	}
	if !IsIdempotencyMismatch(&smithy.GenericAPIError{Code: "IdempotentParameterMismatch"}) || !IsNotAttached(&smithy.GenericAPIError{Code: "Gateway.NotAttached"}) {
		t.Fatal("IsIdempotencyMismatch and IsNotAttached must match their codes")
	}
	missingTD := &smithy.GenericAPIError{Code: "ClientException", Message: "Unable to describe task definition."}
	if !IsNotFound(missingTD) || IsTerminal(missingTD) {
		t.Fatal("ECS's ClientException for a missing task definition must be not found, not terminal")
	}
	for _, code := range []string{"EntityAlreadyExists", "ResourceAlreadyExistsException"} {
		if !IsAlreadyExists(&smithy.GenericAPIError{Code: code}) {
			t.Fatalf("IsAlreadyExists(%s) = false", code)
		}
	}
	for _, code := range []string{"NoSuchTagSet", "NoSuchLifecycleConfiguration", "NoSuchPublicAccessBlockConfiguration"} {
		if err := (&smithy.GenericAPIError{Code: code}); !IsNoSuchConfiguration(err) || IsNotFound(err) {
			t.Fatalf("%s: a bucket without that configuration is there, not missing", code)
		}
	}
	if IsNoSuchConfiguration(&smithy.GenericAPIError{Code: "NoSuchBucket"}) {
		t.Fatal("NoSuchBucket is a missing bucket, not a missing configuration")
	}
	if ErrorCode(errors.New("plain")) != "" {
		t.Fatal("a non-AWS error has no code")
	}
}
