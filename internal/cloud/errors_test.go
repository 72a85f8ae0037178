package cloud

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"
)

func TestClassification(t *testing.T) {
	tests := []struct {
		code                                      string
		notFound, dependency, throttled, terminal bool
	}{
		{code: "InvalidVpcID.NotFound", notFound: true},
		{code: "InvalidSubnetID.NotFound", notFound: true},
		{code: "NatGatewayNotFound", notFound: true},
		{code: "RepositoryNotFoundException", notFound: true},
		{code: "ParameterNotFound", notFound: true},
		{code: "DependencyViolation", dependency: true},
		{code: "RepositoryNotEmptyException", dependency: true},
		{code: "RequestLimitExceeded", throttled: true},
		{code: "ThrottlingException", throttled: true},
		{code: "InvalidParameterValue", terminal: true},
		{code: "InvalidSubnet.Conflict", terminal: true},
		{code: "UnauthorizedOperation", terminal: true},
		{code: "ServiceNotActiveException", notFound: true},
		{code: "ObjectNotFoundException", notFound: true},
		{code: "ClusterNotFoundException", notFound: true},
		{code: "NoSuchEntity", notFound: true},
		{code: "ClusterContainsServicesException", dependency: true},
		{code: "ClientException", terminal: true},
		{code: "MalformedPolicyDocument", terminal: true},
		{code: "TargetGroupNotFound", notFound: true},
		{code: "ResourceInUse", dependency: true},
		{code: "CertificateNotFound", terminal: true},
		{code: "InvalidConfigurationRequest", terminal: true},
		{code: "InternalError"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			err := fmt.Errorf("create thing: %w", &smithy.GenericAPIError{Code: tt.code, Message: "m"})
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
	if IsNotFound(errors.New("plain")) || ErrorCode(errors.New("plain")) != "" {
		t.Fatal("a non-AWS error must not classify")
	}
}
