package stage

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

func TestClassify(t *testing.T) {
	aws := func(code string) error {
		return fmt.Errorf("create VPC: %w", &smithy.GenericAPIError{Code: code, Message: "m"})
	}
	own := Terminalf("OwnershipConflict", "two VPCs carry our tags")
	tests := []struct {
		name       string
		err        error
		wantReason string // "" means retriable
	}{
		{name: "access denied", err: aws("UnauthorizedOperation"), wantReason: v1alpha1.ReasonAccessDenied},
		{name: "validation", err: aws("InvalidParameterValue"), wantReason: v1alpha1.ReasonAWSValidationError},
		{name: "throttled", err: aws("RequestLimitExceeded")},
		{name: "server error", err: aws("InternalError")},
		{name: "not an AWS error", err: errors.New("connection reset")},
		{name: "a stage's own terminal error keeps its reason", err: fmt.Errorf("find VPC: %w", own), wantReason: "OwnershipConflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify(tt.err)
			term, ok := AsTerminal(got)
			switch {
			case tt.wantReason == "" && ok:
				t.Fatalf("Classify(%v) is terminal (%s), want retriable", tt.err, term.Reason)
			case tt.wantReason != "" && (!ok || term.Reason != tt.wantReason):
				t.Fatalf("Classify(%v) = %v, want terminal %s", tt.err, got, tt.wantReason)
			case !errors.Is(got, tt.err) && got != tt.err:
				t.Fatalf("Classify lost the original error")
			}
		})
	}
	if Classify(nil) != nil {
		t.Fatal("Classify(nil) must be nil")
	}
}
