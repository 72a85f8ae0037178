package ecs

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// The listeners. Without a certificate, one HTTP listener on spec.service.loadBalancer.port
// forwards to the target group. With spec.service.loadBalancer.certificateARN, an HTTPS
// listener on 443 with that certificate and the spec's SSL policy forwards to it, and the
// HTTP listener on the spec's port answers with a permanent redirect to HTTPS, so that
// plain http:// links keep working.

// httpsPort is the HTTPS listener's port.
const httpsPort = 443

// wantListener is one listener the spec asks for.
type wantListener struct {
	port        int32
	protocol    elbv2types.ProtocolEnum
	certificate string
	sslPolicy   string
	// redirect: the listener redirects to HTTPS instead of forwarding to the target group.
	redirect bool
	// arn is the status field that records the listener.
	arn *string
}

// wantListeners are the listeners the spec asks for, the forwarding one first.
func (p *pass) wantListeners() []wantListener {
	lb, st := p.fd.Spec.Service.LoadBalancer, &p.fd.Status.Service
	if lb.CertificateARN == "" {
		return []wantListener{{port: lb.Port, protocol: elbv2types.ProtocolEnumHttp, arn: &st.ListenerARN}}
	}
	return []wantListener{
		{port: httpsPort, protocol: elbv2types.ProtocolEnumHttps, certificate: lb.CertificateARN, sslPolicy: lb.SSLPolicy, arn: &st.ListenerARN},
		{port: lb.Port, protocol: elbv2types.ProtocolEnumHttp, redirect: true, arn: &st.RedirectListenerARN},
	}
}

func (w wantListener) String() string {
	if w.redirect {
		return fmt.Sprintf("%s:%d redirecting to HTTPS:%d", w.protocol, w.port, httpsPort)
	}
	return fmt.Sprintf("%s:%d forwarding to the target group", w.protocol, w.port)
}

func (w wantListener) certificates() []elbv2types.Certificate {
	if w.certificate == "" {
		return nil
	}
	return []elbv2types.Certificate{{CertificateArn: aws.String(w.certificate)}}
}

// actions are the listener's default actions: a redirect, or a forward to the target
// group tg or, when fwd names them, to weighted target groups.
func (w wantListener) actions(tg string, fwd []elbv2types.TargetGroupTuple) []elbv2types.Action {
	switch {
	case w.redirect:
		return []elbv2types.Action{{Type: elbv2types.ActionTypeEnumRedirect, RedirectConfig: &elbv2types.RedirectActionConfig{
			Protocol: aws.String(string(elbv2types.ProtocolEnumHttps)), Port: aws.String(strconv.Itoa(httpsPort)),
			StatusCode: elbv2types.RedirectActionStatusCodeEnumHttp301,
		}}}
	case fwd != nil:
		return []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, ForwardConfig: &elbv2types.ForwardActionConfig{TargetGroups: fwd}}}
	}
	return []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, TargetGroupArn: aws.String(tg)}}
}

// reconcileListeners finds or creates the listeners the spec asks for on the load
// balancer, keeps their port, protocol, certificate, SSL policy and default action as the
// spec says, and deletes the load balancer's other listeners of fd (an HTTPS listener
// after the certificate was removed, the listener of a former port). Suspended, there is
// no load balancer and so no listener.
func (p *pass) reconcileListeners(ctx context.Context) error {
	st := &p.fd.Status.Service
	if p.fd.Spec.Suspend {
		st.ListenerARN, st.RedirectListenerARN = "", ""
		return nil
	}
	if st.LoadBalancerARN == "" || st.TargetGroupARN == "" {
		return nil // Observe without them: already reported missing
	}
	listeners, err := p.listenersOf(ctx, st.LoadBalancerARN)
	if err != nil {
		return err
	}
	wants := p.wantListeners()
	matched := make([]*elbv2types.Listener, len(wants))
	claimed := map[string]bool{}
	// A listener on the wanted port is that listener; else the one status recorded for
	// it (moved to another port by hand) unless another wanted listener has it.
	for i, w := range wants {
		for j := range listeners {
			if aws.ToInt32(listeners[j].Port) == w.port {
				matched[i], claimed[aws.ToString(listeners[j].ListenerArn)] = &listeners[j], true
			}
		}
	}
	for i, w := range wants {
		if matched[i] != nil || *w.arn == "" {
			continue
		}
		if claimed[*w.arn] {
			*w.arn = "" // now the listener of another port (the certificate came or went)
			continue
		}
		for j := range listeners {
			if aws.ToString(listeners[j].ListenerArn) == *w.arn {
				matched[i], claimed[*w.arn] = &listeners[j], true
			}
		}
	}
	fwd, err := p.forwardTargets(ctx, matched[0])
	if err != nil {
		return err
	}
	for i, w := range wants {
		if err := p.reconcileListener(ctx, w, matched[i], fwd); err != nil {
			return err
		}
	}
	if !slices.ContainsFunc(wants, func(w wantListener) bool { return w.redirect }) {
		st.RedirectListenerARN = ""
	}
	for _, l := range listeners {
		arn := aws.ToString(l.ListenerArn)
		if claimed[arn] || !p.ReadsTags() { // only its tags may let one go
			continue
		}
		tags, err := p.elbTagsOf(ctx, arn)
		if err != nil {
			return err
		}
		if tags == nil || !p.Owner().Owns(tags) ||
			!p.MayWrite(false, "listener %s %s:%d is not one the spec asks for", arn, l.Protocol, aws.ToInt32(l.Port)) {
			continue
		}
		if _, err := p.ELB.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: aws.String(arn)}); err != nil && !cloud.IsNotFound(err) {
			return fmt.Errorf("delete listener %s: %w", arn, err)
		}
		p.Deleted(ctx, kindListener, arn)
	}
	return nil
}

// reconcileListener creates the wanted listener, or converges the one found (nil: none).
func (p *pass) reconcileListener(ctx context.Context, w wantListener, l *elbv2types.Listener, fwd []elbv2types.TargetGroupTuple) error {
	st := &p.fd.Status.Service
	if l != nil && !p.Known(*w.arn, aws.ToString(l.ListenerArn)) {
		return nil
	}
	if l != nil && p.ReadsTags() {
		arn := aws.ToString(l.ListenerArn)
		have, err := p.elbTagsOf(ctx, arn)
		switch {
		case err != nil:
			return err
		case have == nil: // deleted since
			l = nil
		default:
			if err := p.RepairTags(ctx, kindListener, arn, p.Tags(resourceListener), have, cloud.ELBTagger(p.ELB)); err != nil {
				return err
			}
		}
	}
	if l == nil {
		if *w.arn != "" {
			p.Drift(ctx, "listener %s no longer exists; creating a new one", *w.arn)
			*w.arn = ""
		}
		if !p.MayWrite(true, "listener %s", w) {
			return nil
		}
		return p.createListener(ctx, w, fwd)
	}
	arn := aws.ToString(l.ListenerArn)
	*w.arn = arn
	diff := listenerDiff(l, w, st.TargetGroupARN, fwd)
	if diff == "" || !p.MayWrite(false, "listener %s %s", arn, diff) {
		return nil
	}
	in := &elbv2.ModifyListenerInput{
		ListenerArn:    aws.String(arn),
		Port:           aws.Int32(w.port),
		Protocol:       w.protocol,
		Certificates:   w.certificates(),
		DefaultActions: w.actions(st.TargetGroupARN, fwd),
	}
	if w.sslPolicy != "" {
		in.SslPolicy = aws.String(w.sslPolicy)
	}
	if _, err := p.ELB.ModifyListener(ctx, in); err != nil {
		return fmt.Errorf("modify listener %s: %w", arn, err)
	}
	p.repair(ctx, "UpdatedListener", "listener %s %s; set to %s", arn, diff, w)
	return nil
}

// listenerDiff says how a listener differs from the wanted one, "" when it does not.
func listenerDiff(l *elbv2types.Listener, w wantListener, tg string, fwd []elbv2types.TargetGroupTuple) string {
	switch {
	case aws.ToInt32(l.Port) != w.port || l.Protocol != w.protocol:
		return fmt.Sprintf("was %s:%d", l.Protocol, aws.ToInt32(l.Port))
	case w.certificate != "" && (len(l.Certificates) == 0 || aws.ToString(l.Certificates[0].CertificateArn) != w.certificate):
		return "had another certificate"
	case w.sslPolicy != "" && aws.ToString(l.SslPolicy) != w.sslPolicy:
		return "had SSL policy " + aws.ToString(l.SslPolicy)
	case w.redirect && !redirectsToHTTPS(l.DefaultActions):
		return "did not redirect to HTTPS"
	case !w.redirect && fwd == nil && !forwardsOnlyTo(l.DefaultActions, tg):
		return "did not forward to the target group"
	case !w.redirect && fwd != nil && !forwardsWeighted(l.DefaultActions, fwd):
		return "did not forward to the replaced target group while its replacement starts"
	}
	return ""
}

// forwardsWeighted reports whether actions are exactly one forward to the weighted target
// groups fwd.
func forwardsWeighted(actions []elbv2types.Action, fwd []elbv2types.TargetGroupTuple) bool {
	if len(actions) != 1 || actions[0].Type != elbv2types.ActionTypeEnumForward || actions[0].ForwardConfig == nil {
		return false
	}
	return slices.EqualFunc(actions[0].ForwardConfig.TargetGroups, fwd, func(a, b elbv2types.TargetGroupTuple) bool {
		return aws.ToString(a.TargetGroupArn) == aws.ToString(b.TargetGroupArn) && aws.ToInt32(a.Weight) == aws.ToInt32(b.Weight)
	})
}

// redirectsToHTTPS reports whether actions are exactly one permanent redirect to the same
// host, path and query on HTTPS:443.
func redirectsToHTTPS(actions []elbv2types.Action) bool {
	if len(actions) != 1 || actions[0].Type != elbv2types.ActionTypeEnumRedirect || actions[0].RedirectConfig == nil {
		return false
	}
	rc := actions[0].RedirectConfig
	kept := func(v *string, def string) bool { return v == nil || *v == def }
	return aws.ToString(rc.Protocol) == string(elbv2types.ProtocolEnumHttps) && aws.ToString(rc.Port) == strconv.Itoa(httpsPort) &&
		rc.StatusCode == elbv2types.RedirectActionStatusCodeEnumHttp301 &&
		kept(rc.Host, "#{host}") && kept(rc.Path, "/#{path}") && kept(rc.Query, "#{query}")
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

func (p *pass) createListener(ctx context.Context, w wantListener, fwd []elbv2types.TargetGroupTuple) error {
	st := &p.fd.Status.Service
	in := &elbv2.CreateListenerInput{
		LoadBalancerArn: aws.String(st.LoadBalancerARN),
		Port:            aws.Int32(w.port),
		Protocol:        w.protocol,
		Certificates:    w.certificates(),
		DefaultActions:  w.actions(st.TargetGroupARN, fwd),
		Tags:            cloud.ToELB(p.Tags(resourceListener)),
	}
	if w.sslPolicy != "" {
		in.SslPolicy = aws.String(w.sslPolicy)
	}
	out, err := p.ELB.CreateListener(ctx, in)
	if err != nil {
		return fmt.Errorf("create listener %s on load balancer %s: %w", w, st.LoadBalancerARN, err)
	}
	if len(out.Listeners) == 0 {
		return fmt.Errorf("create listener on load balancer %s: AWS answered without a listener", st.LoadBalancerARN)
	}
	arn := aws.ToString(out.Listeners[0].ListenerArn)
	*w.arn = arn
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
	st.ListenerARN, st.RedirectListenerARN = "", ""
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
