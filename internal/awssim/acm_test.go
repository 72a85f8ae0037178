package awssim_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/flaskops/flask-operator/internal/awssim"
)

// selfSigned is a PEM certificate and key for domain, valid around now.
func selfSigned(t *testing.T, domain string, now time.Time) (cert, key []byte) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: domain}, DNSNames: []string{domain, "www." + domain},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(90 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

// placeholderPEM is a body that only looks like a certificate: the simulator takes it.
var placeholderCert = []byte("-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n")
var placeholderKey = []byte("-----BEGIN PRIVATE KEY-----\nZmFrZQ==\n-----END PRIVATE KEY-----\n")

// importCertificate imports a placeholder certificate and returns its ARN (ISSUED at once).
func importCertificate(t *testing.T, c *acm.Client) string {
	t.Helper()
	out := must[*acm.ImportCertificateOutput](t, "import certificate")(c.ImportCertificate(bg, &acm.ImportCertificateInput{
		Certificate: placeholderCert, PrivateKey: placeholderKey}))
	return aws.ToString(out.CertificateArn)
}

func TestACMImportDescribeListDelete(t *testing.T) {
	e := newSvcEnv(t)
	c := acm.NewFromConfig(e.cfg("eu-west-1"))
	cert, key := selfSigned(t, "app.example.com", e.clock.Now())
	arn := aws.ToString(must[*acm.ImportCertificateOutput](t, "import")(c.ImportCertificate(bg, &acm.ImportCertificateInput{
		Certificate: cert, PrivateKey: key, Tags: []acmtypes.Tag{{Key: aws.String("flaskops.io/cluster"), Value: aws.String("dev")}}})).CertificateArn)
	if !regexp.MustCompile(`^arn:aws:acm:eu-west-1:123456789012:certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(arn) {
		t.Fatalf("ARN %s", arn)
	}
	d := must[*acm.DescribeCertificateOutput](t, "describe")(c.DescribeCertificate(bg, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})).Certificate
	if d.Status != acmtypes.CertificateStatusIssued || d.Type != acmtypes.CertificateTypeImported || aws.ToString(d.DomainName) != "app.example.com" ||
		!slices.Equal(d.SubjectAlternativeNames, []string{"app.example.com", "www.app.example.com"}) || d.KeyAlgorithm != acmtypes.KeyAlgorithmEcPrime256v1 ||
		d.ImportedAt == nil || !d.ImportedAt.Equal(e.clock.Now()) || d.NotAfter == nil || len(d.InUseBy) != 0 {
		t.Fatalf("described %+v", d)
	}
	// A placeholder body is accepted too; a body that is not PEM, or no key, is not.
	placeholder := importCertificate(t, c)
	_, err := c.ImportCertificate(bg, &acm.ImportCertificateInput{Certificate: []byte("not a certificate"), PrivateKey: placeholderKey})
	wantCode(t, "not PEM", err, "ValidationException")
	_, err = c.ImportCertificate(bg, &acm.ImportCertificateInput{Certificate: placeholderCert, PrivateKey: []byte("x")})
	wantCode(t, "bad key", err, "ValidationException")
	// Reimport keeps the ARN; an unknown ARN is not found.
	again := must[*acm.ImportCertificateOutput](t, "reimport")(c.ImportCertificate(bg, &acm.ImportCertificateInput{
		CertificateArn: aws.String(placeholder), Certificate: cert, PrivateKey: key}))
	if aws.ToString(again.CertificateArn) != placeholder {
		t.Fatalf("reimport made %s", aws.ToString(again.CertificateArn))
	}
	_, err = c.ImportCertificate(bg, &acm.ImportCertificateInput{CertificateArn: aws.String(arn + "0"), Certificate: cert, PrivateKey: key})
	wantCode(t, "reimport unknown", err, "ResourceNotFoundException")

	// ListCertificates pages; the EC certificate is listed only when its key type is asked for.
	var listed []string
	p := acm.NewListCertificatesPaginator(c, &acm.ListCertificatesInput{MaxItems: aws.Int32(1),
		Includes: &acmtypes.Filters{KeyTypes: []acmtypes.KeyAlgorithm{acmtypes.KeyAlgorithmEcPrime256v1, acmtypes.KeyAlgorithmRsa2048}}})
	for p.HasMorePages() {
		for _, s := range must[*acm.ListCertificatesOutput](t, "list")(p.NextPage(bg)).CertificateSummaryList {
			listed = append(listed, aws.ToString(s.CertificateArn))
			if s.Status != acmtypes.CertificateStatusIssued || s.Type != acmtypes.CertificateTypeImported {
				t.Fatalf("summary %+v", s)
			}
		}
	}
	if len(listed) != 2 || !slices.Contains(listed, arn) || !slices.Contains(listed, placeholder) {
		t.Fatalf("listed %v", listed)
	}
	rsaOnly := must[*acm.ListCertificatesOutput](t, "list default")(c.ListCertificates(bg, &acm.ListCertificatesInput{}))
	if len(rsaOnly.CertificateSummaryList) != 0 {
		t.Fatalf("default key types listed %+v", rsaOnly.CertificateSummaryList)
	}

	// Tags.
	must[*acm.AddTagsToCertificateOutput](t, "tag")(c.AddTagsToCertificate(bg, &acm.AddTagsToCertificateInput{CertificateArn: aws.String(arn),
		Tags: []acmtypes.Tag{{Key: aws.String("stage"), Value: aws.String("ecs")}, {Key: aws.String("keep"), Value: aws.String("1")}}}))
	must[*acm.RemoveTagsFromCertificateOutput](t, "untag")(c.RemoveTagsFromCertificate(bg, &acm.RemoveTagsFromCertificateInput{CertificateArn: aws.String(arn),
		Tags: []acmtypes.Tag{{Key: aws.String("stage")}, {Key: aws.String("keep"), Value: aws.String("other")}}}))
	tags := must[*acm.ListTagsForCertificateOutput](t, "list tags")(c.ListTagsForCertificate(bg, &acm.ListTagsForCertificateInput{CertificateArn: aws.String(arn)})).Tags
	if len(tags) != 2 || aws.ToString(tags[0].Key) != "flaskops.io/cluster" || aws.ToString(tags[1].Key) != "keep" {
		t.Fatalf("tags %+v", tags)
	}
	_, err = c.AddTagsToCertificate(bg, &acm.AddTagsToCertificateInput{CertificateArn: aws.String(arn), Tags: []acmtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("y")}}})
	wantCode(t, "reserved tag", err, "InvalidTagException")

	// Errors as AWS: malformed ARN, an ARN of another region, an unknown certificate (the
	// last hex digit changed, whatever it was).
	other := "0"
	if strings.HasSuffix(arn, "0") {
		other = "1"
	}
	for arg, code := range map[string]string{
		"nope": "ValidationException",
		strings.Replace(arn, "eu-west-1", "us-east-1", 1): "InvalidArnException",
		arn[:len(arn)-1] + other:                          "ResourceNotFoundException",
	} {
		_, err := c.DescribeCertificate(bg, &acm.DescribeCertificateInput{CertificateArn: aws.String(arg)})
		wantCode(t, "describe "+arg, err, code)
	}
	must[*acm.DeleteCertificateOutput](t, "delete")(c.DeleteCertificate(bg, &acm.DeleteCertificateInput{CertificateArn: aws.String(arn)}))
	_, err = c.DeleteCertificate(bg, &acm.DeleteCertificateInput{CertificateArn: aws.String(arn)})
	wantCode(t, "delete twice", err, "ResourceNotFoundException")
	if live := e.live("acm", "certificate"); !slices.Equal(live, []string{"eu-west-1/" + placeholder}) {
		t.Fatalf("live %v", live)
	}
}

// TestACMRequestCertificateDNS: a DNS-validated certificate is PENDING_VALIDATION with a
// CNAME per domain, ISSUED after the validation latency (at once at time scale 0); EMAIL
// validation never completes; the idempotency token returns the same certificate.
func TestACMRequestCertificateDNS(t *testing.T) {
	e := newSvcEnv(t)
	c := acm.NewFromConfig(e.cfg("us-east-1"))
	in := &acm.RequestCertificateInput{DomainName: aws.String("app.example.com"), ValidationMethod: acmtypes.ValidationMethodDns,
		SubjectAlternativeNames: []string{"*.app.example.com"}, IdempotencyToken: aws.String("flaskops1")}
	arn := aws.ToString(must[*acm.RequestCertificateOutput](t, "request")(c.RequestCertificate(bg, in)).CertificateArn)
	if again := aws.ToString(must[*acm.RequestCertificateOutput](t, "request again")(c.RequestCertificate(bg, in)).CertificateArn); again != arn {
		t.Fatalf("same token made %s and %s", arn, again)
	}
	d := must[*acm.DescribeCertificateOutput](t, "describe")(c.DescribeCertificate(bg, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})).Certificate
	if d.Status != acmtypes.CertificateStatusPendingValidation || d.Type != acmtypes.CertificateTypeAmazonIssued || len(d.DomainValidationOptions) != 2 || d.IssuedAt != nil {
		t.Fatalf("pending %+v", d)
	}
	for _, dv := range d.DomainValidationOptions {
		rr := dv.ResourceRecord
		if dv.ValidationMethod != acmtypes.ValidationMethodDns || dv.ValidationStatus != acmtypes.DomainStatusPendingValidation || rr == nil ||
			rr.Type != acmtypes.RecordTypeCname || !strings.HasSuffix(aws.ToString(rr.Name), ".app.example.com.") ||
			!strings.HasSuffix(aws.ToString(rr.Value), ".acm-validations.aws.") {
			t.Fatalf("validation %+v (%+v)", dv, rr)
		}
	}
	pending := must[*acm.ListCertificatesOutput](t, "list pending")(c.ListCertificates(bg, &acm.ListCertificatesInput{
		CertificateStatuses: []acmtypes.CertificateStatus{acmtypes.CertificateStatusPendingValidation}}))
	if len(pending.CertificateSummaryList) != 1 {
		t.Fatalf("pending list %+v", pending.CertificateSummaryList)
	}
	w := acm.NewCertificateValidatedWaiter(c, func(o *acm.CertificateValidatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, time.Millisecond
		retryable := o.Retryable
		o.Retryable = func(ctx context.Context, in *acm.DescribeCertificateInput, out *acm.DescribeCertificateOutput, err error) (bool, error) {
			retry, err := retryable(ctx, in, out, err)
			if retry {
				e.clock.Advance(time.Minute)
			}
			return retry, err
		}
	})
	if err := w.Wait(bg, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)}, 10*time.Second); err != nil {
		t.Fatalf("wait for the certificate: %v", err)
	}
	d = must[*acm.DescribeCertificateOutput](t, "describe issued")(c.DescribeCertificate(bg, &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})).Certificate
	if d.Status != acmtypes.CertificateStatusIssued || d.IssuedAt == nil || d.IssuedAt.Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) != 5*time.Minute ||
		d.DomainValidationOptions[0].ValidationStatus != acmtypes.DomainStatusSuccess {
		t.Fatalf("issued %+v", d)
	}

	email := aws.ToString(must[*acm.RequestCertificateOutput](t, "request email")(c.RequestCertificate(bg, &acm.RequestCertificateInput{
		DomainName: aws.String("mail.example.com")})).CertificateArn)
	e.clock.Advance(24 * time.Hour)
	if d := must[*acm.DescribeCertificateOutput](t, "describe email")(c.DescribeCertificate(bg, &acm.DescribeCertificateInput{CertificateArn: aws.String(email)})).Certificate; d.Status != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("EMAIL validation status %s", d.Status)
	}
	for _, bad := range []*acm.RequestCertificateInput{
		{DomainName: aws.String("-bad.example.com")},
		{DomainName: aws.String("localhost")},
		{DomainName: aws.String("ok.example.com"), ValidationMethod: "CARRIER_PIGEON"},
		{DomainName: aws.String("ok.example.com"), IdempotencyToken: aws.String("not-a-word")},
	} {
		_, err := c.RequestCertificate(bg, bad)
		wantCode(t, "request "+aws.ToString(bad.DomainName), err, "ValidationException")
	}

	zero := newSvcEnv(t, awssim.WithTimeScale(0))
	zc := acm.NewFromConfig(zero.cfg("us-east-1"))
	now := aws.ToString(must[*acm.RequestCertificateOutput](t, "request at scale 0")(zc.RequestCertificate(bg, &acm.RequestCertificateInput{
		DomainName: aws.String("app.example.com"), ValidationMethod: acmtypes.ValidationMethodDns})).CertificateArn)
	if d := must[*acm.DescribeCertificateOutput](t, "describe")(zc.DescribeCertificate(bg, &acm.DescribeCertificateInput{CertificateArn: aws.String(now)})).Certificate; d.Status != acmtypes.CertificateStatusIssued {
		t.Fatalf("at time scale 0: %s", d.Status)
	}
}

// TestACMCertificateInUseByListener: a listener holds its certificate: DescribeCertificate
// lists the load balancer in InUseBy and DeleteCertificate is ResourceInUseException until
// the listener is gone.
func TestACMCertificateInUseByListener(t *testing.T) {
	e := newELBEnv(t)
	c := acm.NewFromConfig(e.cfg)
	cert := importCertificate(t, c)
	lb := aws.ToString(e.alb(t, "tls").LoadBalancerArn)
	tg := e.targetGroup(t, "tls")
	l := mustDo(e.elb.CreateListener(ctx(), &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(lb), Port: aws.Int32(443),
		Protocol: elbtypes.ProtocolEnumHttps, DefaultActions: forward(tg), Certificates: []elbtypes.Certificate{{CertificateArn: aws.String(cert)}}}))(t).Listeners[0]
	d := mustDo(c.DescribeCertificate(ctx(), &acm.DescribeCertificateInput{CertificateArn: aws.String(cert)}))(t).Certificate
	if !slices.Equal(d.InUseBy, []string{lb}) {
		t.Fatalf("in use by %v", d.InUseBy)
	}
	sum := mustDo(c.ListCertificates(ctx(), &acm.ListCertificatesInput{}))(t).CertificateSummaryList
	if len(sum) != 1 || !aws.ToBool(sum[0].InUse) {
		t.Fatalf("summaries %+v", sum)
	}
	_, err := c.DeleteCertificate(ctx(), &acm.DeleteCertificateInput{CertificateArn: aws.String(cert)})
	expectCode(t, err, "ResourceInUseException")
	mustDo(e.elb.DeleteListener(ctx(), &elbv2.DeleteListenerInput{ListenerArn: l.ListenerArn}))(t)
	mustDo(c.DeleteCertificate(ctx(), &acm.DeleteCertificateInput{CertificateArn: aws.String(cert)}))(t)
}
