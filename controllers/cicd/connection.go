package cicd

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codestarconnections"
	cstypes "github.com/aws/aws-sdk-go-v2/service/codestarconnections/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// connectionsConsole is where a person completes a pending connection's handshake.
const connectionsConsole = "https://console.aws.amazon.com/codesuite/settings/connections"

// reconcileConnection checks that the object's namespace in this cluster may use the
// CodeStar connection, then reports its state as SourceConnectionReady. A connection is
// created PENDING and only a person can complete its handshake with GitHub, in the console:
// until then the pipeline exists but its source cannot fetch, so PipelineReady does not
// wait for it. A connection in ERROR or gone is terminal.
func (p *pass) reconcileConnection(ctx context.Context) error {
	arn := p.fd.Spec.Pipeline.Source.ConnectionARN
	if arn == "" {
		meta.RemoveStatusCondition(&p.fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady)
		return nil
	}
	region := arnRegion(arn)
	conns := p.clients(region).Connections
	if err := p.checkConnectionAllowed(ctx, conns, arn); err != nil {
		return err
	}
	out, err := conns.GetConnection(ctx, &codestarconnections.GetConnectionInput{ConnectionArn: aws.String(arn)})
	if cloud.IsNotFound(err) {
		return p.connectionMissing(arn)
	}
	if err != nil {
		return fmt.Errorf("get connection %s: %w", arn, err)
	}
	c := out.Connection
	switch c.ConnectionStatus {
	case cstypes.ConnectionStatusAvailable:
		p.setConnectionCondition(metav1.ConditionTrue, v1alpha1.ReasonReady, fmt.Sprintf("connection %s is available", aws.ToString(c.ConnectionName)))
	case cstypes.ConnectionStatusPending:
		p.handshakePending = true
		msg := fmt.Sprintf("connection %s (%s) awaits its handshake with GitHub: open %s?region=%s, choose the connection and Update pending connection",
			aws.ToString(c.ConnectionName), arn, connectionsConsole, region)
		if was := meta.FindStatusCondition(p.fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady); was == nil || was.Reason != v1alpha1.ReasonPendingHandshake {
			p.recorder.Eventf(p.fd, nil, corev1.EventTypeWarning, v1alpha1.ReasonPendingHandshake, "Reconcile", "The pipeline's source %s", msg)
		}
		p.setConnectionCondition(metav1.ConditionFalse, v1alpha1.ReasonPendingHandshake, msg)
	default:
		msg := fmt.Sprintf("connection %s (%s) is %s: the pipeline cannot read GitHub through it; delete it and create a new one in %s, then name that in spec.pipeline.source.connectionARN",
			aws.ToString(c.ConnectionName), arn, c.ConnectionStatus, connectionsConsole)
		p.setConnectionCondition(metav1.ConditionFalse, v1alpha1.ReasonSourceConnectionFailed, msg)
		return stage.Terminalf(v1alpha1.ReasonSourceConnectionFailed, "%s", msg)
	}
	return nil
}

// checkConnectionAllowed refuses, before the stage writes anything, a connection that is
// not for the object's namespace in this cluster. A connection reads every repository its
// GitHub app was granted, so naming another tenant's ARN must not let a pipeline build
// through it; only the tags an administrator puts on the connection prove which namespace,
// of which cluster sharing the account, it serves. The message names no other namespace.
func (p *pass) checkConnectionAllowed(ctx context.Context, c cloud.ConnectionsAPI, arn string) error {
	out, err := c.ListTagsForResource(ctx, &codestarconnections.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if cloud.IsNotFound(err) {
		return p.connectionMissing(arn)
	}
	if err != nil {
		return fmt.Errorf("list tags of connection %s: %w", arn, err)
	}
	ns, have := p.fd.Namespace, cloud.FromCodeStar(out.Tags)
	want := cloud.ConnectionTags(p.cluster, ns)
	if len(cloud.MissingTags(want, have)) == 0 {
		return nil
	}
	msg := fmt.Sprintf("CodeStar connection %s (spec.pipeline.source.connectionARN) is not for namespace %s of cluster %s: it needs the tags %s=%s and %s=%s, which an administrator puts on each connection a namespace may use",
		arn, ns, p.cluster, cloud.TagCluster, p.cluster, cloud.TagNamespace, ns)
	p.setConnectionCondition(metav1.ConditionFalse, v1alpha1.ReasonConnectionNotAllowed, msg)
	return stage.Terminalf(v1alpha1.ReasonConnectionNotAllowed, "%s", msg)
}

// connectionMissing is the terminal error of a connection that does not exist.
func (p *pass) connectionMissing(arn string) error {
	msg := fmt.Sprintf("CodeStar connection %s (spec.pipeline.source.connectionARN) does not exist: create one in %s and name it in the spec", arn, connectionsConsole)
	p.setConnectionCondition(metav1.ConditionFalse, v1alpha1.ReasonSourceConnectionFailed, msg)
	return stage.Terminalf(v1alpha1.ReasonSourceConnectionFailed, "%s", msg)
}

func (p *pass) setConnectionCondition(status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&p.fd.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionSourceConnectionReady,
		Status: status, Reason: reason, Message: msg, ObservedGeneration: p.fd.Generation})
}

// arnRegion is the region of an ARN: a connection is regional and is read through its
// region's endpoint.
func arnRegion(arn string) string {
	if parts := strings.SplitN(arn, ":", 5); len(parts) == 5 {
		return parts[3]
	}
	return ""
}
