package controllers

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// callingStage makes calls DescribeVpcs calls through its client, then reports result
// and err.
type callingStage struct {
	namedStage
	ec2    *ec2.Client
	calls  int
	result stage.Result
	err    error
}

func (s callingStage) Reconcile(ctx context.Context, _ *v1alpha1.FlaskDeployment) (stage.Result, error) {
	for range s.calls {
		if _, err := s.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
			return stage.Result{}, err
		}
	}
	return s.result, s.err
}

func TestReconcilingSaysThrottled(t *testing.T) {
	sim, err := awssim.New(awssim.WithTimeScale(0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	waiting := stage.Waiting(v1alpha1.ReasonWaitingForNATGateway, time.Second, "waiting for NAT gateway")
	throttled := &smithy.GenericAPIError{Code: "RequestLimitExceeded", Message: "Request limit exceeded."}
	tests := []struct {
		name        string
		calls       int
		result      stage.Result
		err         error
		wantReason  string // of Reconciling; "" for none
		wantMessage string
	}{
		{"a call held back by the budget", 2, waiting, nil, v1alpha1.ReasonThrottled, "ec2 reads in us-east-1 waited"},
		{"calls within the budget", 1, waiting, nil, v1alpha1.ReasonProgressing, "waiting for NAT gateway"},
		{"AWS throttled past the retries", 1, stage.Result{}, throttled, v1alpha1.ReasonThrottled, "AWS throttled calls past their retries"},
		{"held back, but ready", 2, stage.Ready("ok"), nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limits := cloud.NewRateLimits(cloud.RateLimitOptions{ReadQPS: 10, ReadBurst: 1, HoldBack: 50 * time.Millisecond})
			clients := cloud.NewClients(aws.Config{
				Region:       "us-east-1",
				BaseEndpoint: aws.String(srv.URL),
				Credentials:  credentials.NewStaticCredentialsProvider("AKID", "secret", ""),
				Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
			}, cloud.WithRateLimits(limits))
			scheme := runtime.NewScheme()
			if err := v1alpha1.AddToScheme(scheme); err != nil {
				t.Fatal(err)
			}
			fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "mane", Generation: 1}}
			c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(fd).WithStatusSubresource(fd).Build()
			r := &FlaskDeploymentReconciler{
				Client:        c,
				Stages:        []stage.Stage{callingStage{networkStage, clients.EC2("us-east-1"), tt.calls, tt.result, tt.err}},
				DefaultRegion: "us-east-1",
				ResyncPeriod:  time.Hour,
			}
			key := types.NamespacedName{Namespace: "default", Name: "mane"}
			_, _ = r.Reconcile(context.Background(), ctrl.Request{NamespacedName: key})

			got := &v1alpha1.FlaskDeployment{}
			if err := c.Get(context.Background(), key, got); err != nil {
				t.Fatal(err)
			}
			cond := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionReconciling)
			switch {
			case tt.wantReason == "" && cond != nil:
				t.Errorf("Reconciling = %s: %s, want none", cond.Reason, cond.Message)
			case tt.wantReason == "":
			case cond == nil:
				t.Errorf("no Reconciling, want %s", tt.wantReason)
			case cond.Reason != tt.wantReason || !strings.Contains(cond.Message, tt.wantMessage):
				t.Errorf("Reconciling = %s: %q, want %s mentioning %q", cond.Reason, cond.Message, tt.wantReason, tt.wantMessage)
			}
		})
	}
}
