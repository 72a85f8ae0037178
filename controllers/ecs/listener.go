package ecs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// The listener: one, on spec.service.loadBalancer.port, forwarding to the target group.
// With a certificateARN it speaks HTTPS on that port (the API's port is the listener's
// port whatever the protocol). No HTTP->HTTPS redirect listener is added: that would be a
// second listener and a second open port nobody asked for in the spec; a user who wants
// one can set it up behind port 80 once the API grows a field for it.

// wantListener is the listener the spec asks for.
type wantListener struct {
	port        int32
	protocol    elbv2types.ProtocolEnum
	certificate string
}

func (p *pass) wantListener() wantListener {
	lb := p.fd.Spec.Service.LoadBalancer
	if lb.CertificateARN != "" {
		return wantListener{port: lb.Port, protocol: elbv2types.ProtocolEnumHttps, certificate: lb.CertificateARN}
	}
	return wantListener{port: lb.Port, protocol: elbv2types.ProtocolEnumHttp}
}

func (w wantListener) certificates() []elbv2types.Certificate {
	if w.certificate == "" {
		return nil
	}
	return []elbv2types.Certificate{{CertificateArn: aws.String(w.certificate)}}
}

func forwardTo(tg string) []elbv2types.Action {
	return []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(tg)}}
}

// reconcileListener finds or creates the listener on the load balancer and keeps its
// port, protocol, certificate and default action as the spec says. Suspended, there is no
// load balancer and so no listener.
func (p *pass) reconcileListener(ctx context.Context) error {
	st := &p.fd.Status.Service
	if p.fd.Spec.Suspend {
		st.ListenerARN = ""
		return nil
	}
	if st.LoadBalancerARN == "" || st.TargetGroupARN == "" {
		return nil // Observe without them: already reported missing
	}
	want := p.wantListener()
	l, err := p.findListener(ctx, want.port)
	if err != nil {
		return err
	}
	var have map[string]string
	if l != nil {
		if have, err = p.elbTagsOf(ctx, aws.ToString(l.ListenerArn)); err != nil {
			return err
		}
		if have == nil { // deleted since
			l = nil
		}
	}
	if l == nil {
		if st.ListenerARN != "" {
			p.Drift(ctx, "listener %s no longer exists; creating a new one", st.ListenerARN)
			st.ListenerARN = ""
		}
		if !p.MayWrite(true, "%s listener on port %d", want.protocol, want.port) {
			return nil
		}
		return p.createListener(ctx, want)
	}
	arn := aws.ToString(l.ListenerArn)
	if err := p.RepairTags(ctx, kindListener, arn, p.Tags(resourceListener), have, cloud.ELBTagger(p.ELB)); err != nil {
		return err
	}
	st.ListenerARN = arn
	diff := listenerDiff(l, want, st.TargetGroupARN)
	if diff == "" || !p.MayWrite(false, "listener %s %s", arn, diff) {
		return nil
	}
	if _, err := p.ELB.ModifyListener(ctx, &elbv2.ModifyListenerInput{
		ListenerArn:    aws.String(arn),
		Port:           aws.Int32(want.port),
		Protocol:       want.protocol,
		Certificates:   want.certificates(),
		DefaultActions: forwardTo(st.TargetGroupARN),
	}); err != nil {
		return fmt.Errorf("modify listener %s: %w", arn, err)
	}
	p.Drift(ctx, "listener %s %s; set to %s:%d forwarding to target group %s", arn, diff, want.protocol, want.port, st.TargetGroupARN)
	return nil
}

// listenerDiff says how a listener differs from the wanted one, "" when it does not.
func listenerDiff(l *elbv2types.Listener, want wantListener, tg string) string {
	switch {
	case aws.ToInt32(l.Port) != want.port || l.Protocol != want.protocol:
		return fmt.Sprintf("was %s:%d", l.Protocol, aws.ToInt32(l.Port))
	case want.certificate != "" && (len(l.Certificates) == 0 || aws.ToString(l.Certificates[0].CertificateArn) != want.certificate):
		return "had another certificate"
	case !forwardsOnlyTo(l.DefaultActions, tg):
		return "did not forward to the target group"
	}
	return ""
}

// forwardsOnlyTo reports whether actions are exactly one forward to tg.
func forwardsOnlyTo(actions []elbv2types.Action, tg string) bool {
	if len(actions) != 1 || actions[0].Type != elbv2types.ActionTypeEnumForward {
		return false
	}
	a := actions[0]
	if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
		return len(a.ForwardConfig.TargetGroups) == 1 && aws.ToString(a.ForwardConfig.TargetGroups[0].TargetGroupArn) == tg
	}
	return aws.ToString(a.TargetGroupArn) == tg
}

// findListener finds the listener: by the ARN in status (on our load balancer), then the
// one on the spec's port.
func (p *pass) findListener(ctx context.Context, port int32) (*elbv2types.Listener, error) {
	st := p.fd.Status.Service
	if st.ListenerARN != "" {
		out, err := p.ELB.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{st.ListenerARN}})
		switch {
		case err == nil:
			for i, l := range out.Listeners {
				if aws.ToString(l.LoadBalancerArn) == st.LoadBalancerARN {
					return &out.Listeners[i], nil
				}
			}
		case !cloud.IsNotFound(err):
			return nil, fmt.Errorf("describe listener %s: %w", st.ListenerARN, err)
		}
	}
	listeners, err := p.listenersOf(ctx, st.LoadBalancerARN)
	if err != nil {
		return nil, err
	}
	for i, l := range listeners {
		if aws.ToInt32(l.Port) == port {
			return &listeners[i], nil
		}
	}
	return nil, nil
}

// listenersOf lists a load balancer's listeners; none when it is gone.
func (p *pass) listenersOf(ctx context.Context, lbARN string) ([]elbv2types.Listener, error) {
	var out []elbv2types.Listener
	pages := elbv2.NewDescribeListenersPaginator(p.ELB, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lbARN)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			if cloud.IsNotFound(err) {
				return nil, nil
			}
			return nil, fmt.Errorf("describe listeners of load balancer %s: %w", lbARN, err)
		}
		out = append(out, page.Listeners...)
	}
	return out, nil
}

func (p *pass) createListener(ctx context.Context, want wantListener) error {
	st := &p.fd.Status.Service
	out, err := p.ELB.CreateListener(ctx, &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(st.LoadBalancerARN),
		Port:            aws.Int32(want.port),
		Protocol:        want.protocol,
		Certificates:    want.certificates(),
		DefaultActions:  forwardTo(st.TargetGroupARN),
		Tags:            cloud.ToELB(p.Tags(resourceListener)),
	})
	if err != nil {
		return fmt.Errorf("create %s listener on port %d of load balancer %s: %w", want.protocol, want.port, st.LoadBalancerARN, err)
	}
	if len(out.Listeners) == 0 {
		return fmt.Errorf("create listener on load balancer %s: AWS answered without a listener", st.LoadBalancerARN)
	}
	arn := aws.ToString(out.Listeners[0].ListenerArn)
	st.ListenerARN = arn
	p.Created(ctx, kindListener, arn)
	return stage.CheckpointCreated(ctx, "listener "+arn)
}

// deleteListener deletes the listeners of fd's load balancer, so the target group is
// free.
func (p *pass) deleteListener(ctx context.Context) (bool, error) {
	st := &p.fd.Status.Service
	lb, err := p.findLoadBalancer(ctx)
	if err != nil {
		return false, err
	}
	if lb != nil {
		if err := p.deleteListenersOf(ctx, aws.ToString(lb.LoadBalancerArn)); err != nil {
			return false, err
		}
	}
	st.ListenerARN = ""
	return true, nil
}

// deleteListenersOf deletes fd's listeners on a load balancer before it is deleted. A
// listener that is not fd's on fd's load balancer would go with it: that is
// DeletionBlocked; on a load balancer that is not fd's, it is left in place with it.
func (p *pass) deleteListenersOf(ctx context.Context, lbARN string) error {
	lbTags, err := p.elbTagsOf(ctx, lbARN)
	if err != nil {
		return err
	}
	ownLB := p.Owner().Owns(lbTags)
	listeners, err := p.listenersOf(ctx, lbARN)
	if err != nil {
		return err
	}
	for _, l := range listeners {
		arn := aws.ToString(l.ListenerArn)
		tags, err := p.elbTagsOf(ctx, arn)
		if err != nil {
			return err
		}
		if tags == nil {
			continue // deleted since
		}
		if !p.Deletable(ctx, kindListener, arn, tags) {
			if ownLB {
				return stage.Terminalf(v1alpha1.ReasonDeletionBlocked,
					"listener %s on this object's load balancer %s is not this object's (%s), and deleting the load balancer would delete it: delete that listener yourself",
					arn, lbARN, p.Owner().Describe(tags))
			}
			continue
		}
		if _, err := p.ELB.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: aws.String(arn)}); err != nil {
			if cloud.IsNotFound(err) {
				continue
			}
			return fmt.Errorf("delete listener %s: %w", arn, err)
		}
		p.Deleted(ctx, kindListener, arn)
	}
	return nil
}
