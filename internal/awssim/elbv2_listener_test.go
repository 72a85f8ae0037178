package awssim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// TestELBHTTPSListenerCertificatesAndPolicies: an HTTPS listener takes only an ISSUED ACM
// certificate of its region and one of AWS's SSL policies, on create and on modify.
func TestELBHTTPSListenerCertificatesAndPolicies(t *testing.T) {
	e := newELBEnv(t)
	certs := acm.NewFromConfig(e.cfg)
	lb := aws.ToString(e.alb(t, "https").LoadBalancerArn)
	tg := e.targetGroup(t, "https")
	issued := importCertificate(t, certs)
	pending := aws.ToString(mustDo(certs.RequestCertificate(ctx(), &acm.RequestCertificateInput{
		DomainName: aws.String("app.example.com"), ValidationMethod: acmtypes.ValidationMethodDns}))(t).CertificateArn)
	euCfg := e.cfg.Copy()
	euCfg.Region = "eu-west-1"
	foreign := importCertificate(t, acm.NewFromConfig(euCfg))

	https := func(port int32, cert, policy string) (*elb.CreateListenerOutput, error) {
		in := &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb), Port: aws.Int32(port), Protocol: elbtypes.ProtocolEnumHttps,
			DefaultActions: forward(tg), Certificates: []elbtypes.Certificate{{CertificateArn: aws.String(cert)}}}
		if policy != "" {
			in.SslPolicy = aws.String(policy)
		}
		return e.elb.CreateListener(ctx(), in)
	}
	// An ARN of no certificate: the issued one's last digit changed, whatever it was.
	unknown := issued[:len(issued)-1] + "0"
	if unknown == issued {
		unknown = issued[:len(issued)-1] + "1"
	}
	for name, tc := range map[string]struct {
		cert, policy, code string
	}{
		"pending validation":     {pending, "", "CertificateNotFound"},
		"another region":         {foreign, "", "CertificateNotFound"},
		"no such certificate":    {unknown, "", "CertificateNotFound"},
		"IAM server certificate": {"arn:aws:iam::123456789012:server-certificate/web", "", "CertificateNotFound"},
		"unknown policy":         {issued, "ELBSecurityPolicy-Nope", "SSLPolicyNotFound"},
	} {
		_, err := https(443, tc.cert, tc.policy)
		if code := apiCode(t, err); code != tc.code {
			t.Errorf("%s: %q (%v), want %s", name, code, err, tc.code)
		}
	}
	l := mustDo(https(443, issued, "ELBSecurityPolicy-TLS13-1-2-2021-06"))(t).Listeners[0]
	if aws.ToString(l.SslPolicy) != "ELBSecurityPolicy-TLS13-1-2-2021-06" || aws.ToString(l.Certificates[0].CertificateArn) != issued {
		t.Fatalf("listener %+v", l)
	}
	for _, policy := range []string{"ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-2016-08",
		"ELBSecurityPolicy-TLS-1-2-2017-01", "ELBSecurityPolicy-FS-1-2-Res-2020-10"} {
		mod := mustDo(e.elb.ModifyListener(ctx(), &elb.ModifyListenerInput{ListenerArn: l.ListenerArn, SslPolicy: aws.String(policy)}))(t).Listeners[0]
		if aws.ToString(mod.SslPolicy) != policy {
			t.Fatalf("policy %s became %s", policy, aws.ToString(mod.SslPolicy))
		}
	}
	_, err := e.elb.ModifyListener(ctx(), &elb.ModifyListenerInput{ListenerArn: l.ListenerArn, SslPolicy: aws.String("ELBSecurityPolicy-1999")})
	expectCode(t, err, "SSLPolicyNotFound")
	_, err = e.elb.ModifyListener(ctx(), &elb.ModifyListenerInput{ListenerArn: l.ListenerArn,
		Certificates: []elbtypes.Certificate{{CertificateArn: aws.String(pending)}}})
	expectCode(t, err, "CertificateNotFound")

	// Turning an HTTP listener to HTTPS needs a certificate; once DNS validation is done the
	// requested one does, and the default policy comes with it.
	plain := e.listener(t, lb, tg, 80)
	if got := mustDo(e.elb.DescribeListeners(ctx(), &elb.DescribeListenersInput{ListenerArns: []string{plain}}))(t).Listeners[0]; len(got.Certificates) != 0 {
		t.Fatalf("HTTP listener described with certificates %+v", got.Certificates)
	}
	_, err = e.elb.ModifyListener(ctx(), &elb.ModifyListenerInput{ListenerArn: aws.String(plain), Protocol: elbtypes.ProtocolEnumHttps,
		Port: aws.Int32(8443), Certificates: []elbtypes.Certificate{{CertificateArn: aws.String(pending)}}})
	expectCode(t, err, "CertificateNotFound")
	e.clock.Advance(5 * time.Minute)
	mod := mustDo(e.elb.ModifyListener(ctx(), &elb.ModifyListenerInput{ListenerArn: aws.String(plain), Protocol: elbtypes.ProtocolEnumHttps,
		Port: aws.Int32(8443), Certificates: []elbtypes.Certificate{{CertificateArn: aws.String(pending)}}}))(t).Listeners[0]
	if aws.ToString(mod.SslPolicy) != "ELBSecurityPolicy-2016-08" || aws.ToString(mod.Certificates[0].CertificateArn) != pending {
		t.Fatalf("turned HTTPS: %+v", mod)
	}
}

// TestELBRedirectAndFixedResponseActions: redirect and fixed-response default actions are
// validated as AWS does and round-trip through Create, Describe and Modify.
func TestELBRedirectAndFixedResponseActions(t *testing.T) {
	e := newELBEnv(t)
	lb := aws.ToString(e.alb(t, "actions").LoadBalancerArn)
	tg := e.targetGroup(t, "actions")
	redirect := func(rc elbtypes.RedirectActionConfig) []elbtypes.Action {
		return []elbtypes.Action{{Type: elbtypes.ActionTypeEnumRedirect, RedirectConfig: &rc}}
	}
	fixed := func(fc elbtypes.FixedResponseActionConfig) []elbtypes.Action {
		return []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &fc}}
	}
	toHTTPS := redirect(elbtypes.RedirectActionConfig{Protocol: aws.String("HTTPS"), Port: aws.String("443"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301})
	l := mustDo(e.elb.CreateListener(ctx(), &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb), Port: aws.Int32(80),
		Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: toHTTPS}))(t).Listeners[0]
	described := mustDo(e.elb.DescribeListeners(ctx(), &elb.DescribeListenersInput{ListenerArns: []string{aws.ToString(l.ListenerArn)}}))(t).Listeners[0]
	rc := described.DefaultActions[0].RedirectConfig
	if described.DefaultActions[0].Type != elbtypes.ActionTypeEnumRedirect || rc == nil || aws.ToString(rc.Protocol) != "HTTPS" ||
		aws.ToString(rc.Port) != "443" || aws.ToString(rc.Host) != "#{host}" || aws.ToString(rc.Path) != "/#{path}" ||
		aws.ToString(rc.Query) != "#{query}" || rc.StatusCode != elbtypes.RedirectActionStatusCodeEnumHttp301 {
		t.Fatalf("redirect described as %+v", rc)
	}

	mod := mustDo(e.elb.ModifyListener(ctx(), &elb.ModifyListenerInput{ListenerArn: l.ListenerArn, DefaultActions: fixed(elbtypes.FixedResponseActionConfig{
		StatusCode: aws.String("503"), ContentType: aws.String("application/json"), MessageBody: aws.String(`{"down":true}`)})}))(t).Listeners[0]
	fc := mod.DefaultActions[0].FixedResponseConfig
	if mod.DefaultActions[0].Type != elbtypes.ActionTypeEnumFixedResponse || fc == nil || aws.ToString(fc.StatusCode) != "503" ||
		aws.ToString(fc.ContentType) != "application/json" || aws.ToString(fc.MessageBody) != `{"down":true}` || mod.DefaultActions[0].RedirectConfig != nil {
		t.Fatalf("fixed response %+v", mod.DefaultActions[0])
	}
	mod = mustDo(e.elb.ModifyListener(ctx(), &elb.ModifyListenerInput{ListenerArn: l.ListenerArn, DefaultActions: redirect(elbtypes.RedirectActionConfig{
		Host: aws.String("www.example.com"), Path: aws.String("/new"), Query: aws.String(""), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp302})}))(t).Listeners[0]
	if rc := mod.DefaultActions[0].RedirectConfig; aws.ToString(rc.Host) != "www.example.com" || aws.ToString(rc.Protocol) != "#{protocol}" ||
		aws.ToString(rc.Query) != "" || rc.StatusCode != elbtypes.RedirectActionStatusCodeEnumHttp302 {
		t.Fatalf("modified redirect %+v", rc)
	}
	mod = mustDo(e.elb.ModifyListener(ctx(), &elb.ModifyListenerInput{ListenerArn: l.ListenerArn, DefaultActions: forward(tg)}))(t).Listeners[0]
	if aws.ToString(mod.DefaultActions[0].TargetGroupArn) != tg || mod.DefaultActions[0].RedirectConfig != nil {
		t.Fatalf("back to forward %+v", mod.DefaultActions[0])
	}

	for name, tc := range map[string]struct {
		actions []elbtypes.Action
		code    string
	}{
		"redirect to itself":  {redirect(elbtypes.RedirectActionConfig{StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}), "InvalidLoadBalancerAction"},
		"redirect status 303": {redirect(elbtypes.RedirectActionConfig{Protocol: aws.String("HTTPS"), StatusCode: "HTTP_303"}), "ValidationError"},
		"redirect protocol":   {redirect(elbtypes.RedirectActionConfig{Protocol: aws.String("FTP"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}), "ValidationError"},
		"redirect port":       {redirect(elbtypes.RedirectActionConfig{Port: aws.String("70000"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}), "ValidationError"},
		"redirect path":       {redirect(elbtypes.RedirectActionConfig{Path: aws.String("new"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}), "ValidationError"},
		"redirect query":      {redirect(elbtypes.RedirectActionConfig{Host: aws.String("x.example.com"), Query: aws.String("?a=1"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}), "ValidationError"},
		"fixed status 302":    {fixed(elbtypes.FixedResponseActionConfig{StatusCode: aws.String("302")}), "ValidationError"},
		"fixed content type":  {fixed(elbtypes.FixedResponseActionConfig{StatusCode: aws.String("200"), ContentType: aws.String("image/png")}), "ValidationError"},
		"fixed body too long": {fixed(elbtypes.FixedResponseActionConfig{StatusCode: aws.String("200"), MessageBody: aws.String(strings.Repeat("x", 1025))}), "ValidationError"},
	} {
		_, err := e.elb.CreateListener(ctx(), &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb), Port: aws.Int32(81),
			Protocol: elbtypes.ProtocolEnumHttp, DefaultActions: tc.actions})
		if code := apiCode(t, err); code != tc.code {
			t.Errorf("%s: %q (%v), want %s", name, code, err, tc.code)
		}
	}
	// An HTTPS listener cannot redirect to HTTP.
	cert := importCertificate(t, acm.NewFromConfig(e.cfg))
	_, err := e.elb.CreateListener(ctx(), &elb.CreateListenerInput{LoadBalancerArn: aws.String(lb), Port: aws.Int32(443),
		Protocol: elbtypes.ProtocolEnumHttps, Certificates: []elbtypes.Certificate{{CertificateArn: aws.String(cert)}},
		DefaultActions: redirect(elbtypes.RedirectActionConfig{Protocol: aws.String("HTTP"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301})})
	expectCode(t, err, "InvalidLoadBalancerAction")
}
