package awssim

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

func init() {
	register(newACM)
	DefaultLatencies[LatencyACMValidation] = 5 * time.Minute
}

// LatencyACMValidation is how long a DNS-validated certificate stays PENDING_VALIDATION
// before ACM issues it: on AWS, the time ACM takes to find the validation CNAME record.
// The simulator has no DNS, so it behaves as if the record had been created at once.
const LatencyACMValidation = "acm:certificate:validation"

// acmState is AWS Certificate Manager state per region. Wire format: awsJson1_1,
// X-Amz-Target CertificateManager.<Op>, member names as in the SDK's service/acm schemas
// (PascalCase, tags as {Key, Value}).
//
// Imported certificates are ISSUED at once. A requested certificate with DNS validation is
// PENDING_VALIDATION for LatencyACMValidation (scaled: at time scale 0 it is ISSUED in the
// RequestCertificate call), then ISSUED; with EMAIL validation nobody answers the mail, so
// it stays PENDING_VALIDATION. A certificate an ELBv2 listener uses cannot be deleted.
type acmState struct {
	Regions map[string]*acmRegion `json:"regions"`
	sim     *Sim
}

type acmRegion struct {
	Certificates map[string]*acmCertificate `json:"certificates"` // by ARN
	Tokens       map[string]acmToken        `json:"tokens"`       // RequestCertificate IdempotencyToken
}

// acmToken is what an IdempotencyToken produced; ACM honours it for an hour.
type acmToken struct {
	ARN string    `json:"arn"`
	At  time.Time `json:"at"`
}

type acmCertificate struct {
	ARN              string            `json:"arn"`
	Type             string            `json:"type"` // IMPORTED or AMAZON_ISSUED
	DomainName       string            `json:"domainName"`
	SANs             []string          `json:"sans"`
	ValidationMethod string            `json:"validationMethod,omitempty"`
	KeyAlgorithm     string            `json:"keyAlgorithm"`
	CreatedAt        time.Time         `json:"createdAt"`
	IssuedAt         time.Time         `json:"issuedAt,omitempty"` // zero: never (EMAIL validation)
	ImportedAt       time.Time         `json:"importedAt,omitempty"`
	NotBefore        time.Time         `json:"notBefore,omitempty"`
	NotAfter         time.Time         `json:"notAfter,omitempty"`
	Serial           string            `json:"serial,omitempty"`
	Subject          string            `json:"subject,omitempty"`
	Issuer           string            `json:"issuer,omitempty"`
	Tags             map[string]string `json:"tags,omitempty"`
}

func newACM(sim *Sim) *Service {
	s := &acmState{sim: sim}
	s.Reset()
	return &Service{
		Name:         "acm",
		Protocol:     JSON11,
		TargetPrefix: "CertificateManager",
		State:        s,
		Ops: map[string]Op{
			"ImportCertificate":         s.importCertificate,
			"RequestCertificate":        s.requestCertificate,
			"DescribeCertificate":       s.describeCertificate,
			"ListCertificates":          s.listCertificates,
			"DeleteCertificate":         s.deleteCertificate,
			"AddTagsToCertificate":      s.addTagsToCertificate,
			"ListTagsForCertificate":    s.listTagsForCertificate,
			"RemoveTagsFromCertificate": s.removeTagsFromCertificate,
		},
	}
}

func (s *acmState) Reset() { s.Regions = map[string]*acmRegion{} }

func (s *acmState) regionNamed(name string) *acmRegion {
	r, ok := s.Regions[name]
	if !ok {
		r = &acmRegion{}
		s.Regions[name] = r
	}
	if r.Certificates == nil {
		r.Certificates = map[string]*acmCertificate{}
	}
	if r.Tokens == nil {
		r.Tokens = map[string]acmToken{}
	}
	return r
}

// Live lists certificates.
func (s *acmState) Live(time.Time) []Resource {
	var out []Resource
	for _, region := range slices.Sorted(maps.Keys(s.Regions)) {
		certs := s.Regions[region].Certificates
		for _, arn := range slices.Sorted(maps.Keys(certs)) {
			out = append(out, Resource{Service: "acm", Type: "certificate", ID: arn, Region: region, Tags: maps.Clone(certs[arn].Tags)})
		}
	}
	return out
}

func (cert *acmCertificate) status(now time.Time) string {
	if cert.IssuedAt.IsZero() || now.Before(cert.IssuedAt) {
		return "PENDING_VALIDATION"
	}
	return "ISSUED"
}

// Usable is what ELBv2 asks before a listener takes a certificate: it must exist in the
// region and be ISSUED, or the listener call is CertificateNotFound.
func (s *acmState) Usable(region, arn string, now time.Time) bool {
	r, ok := s.Regions[region]
	if !ok {
		return false
	}
	cert, ok := r.Certificates[arn]
	return ok && cert.status(now) == "ISSUED"
}

// inUseBy lists the load balancers whose listeners use a certificate.
func (s *acmState) inUseBy(region, arn string) []string {
	elb, ok := s.sim.Service("elasticloadbalancing").State.(*elbv2State)
	if !ok {
		return nil
	}
	return elb.certificateUsers(region, arn)
}

type acmTag struct {
	Key   string  `json:"Key"`
	Value *string `json:"Value,omitempty"`
}

func acmTagMap(tags []acmTag) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range tags {
		if t.Value == nil {
			out[t.Key] = ""
			continue
		}
		out[t.Key] = *t.Value
	}
	return out, checkTags("acm", out)
}

func acmTagList(tags map[string]string) []acmTag {
	out := []acmTag{}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		v := tags[k]
		out = append(out, acmTag{Key: k, Value: &v})
	}
	return out
}

func acmValidation(format string, args ...any) *APIError {
	return Errorf("ValidationException", format, args...)
}

var acmARNRE = regexp.MustCompile(`^arn:[\w+=/,.@-]+:acm:[\w+=/,.@-]*:[0-9]+:[\w+=,.@-]+(/[\w+=,.@-]+)*$`)

// certificate finds the certificate an ARN names in the call's region.
func (s *acmState) certificate(c *Call, arn string) (*acmCertificate, error) {
	if arn == "" {
		return nil, acmValidation("1 validation error detected: Value null at 'certificateArn' failed to satisfy constraint: Member must not be null")
	}
	if !acmARNRE.MatchString(arn) || len(arn) > 2048 {
		return nil, acmValidation("1 validation error detected: Value '%s' at 'certificateArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:[\\w+=/,.@-]+:acm:[\\w+=/,.@-]*:[0-9]+:[\\w+=,.@-]+(/[\\w+=,.@-]+)*", arn)
	}
	parts := strings.SplitN(arn, ":", 6)
	if parts[1] != "aws" || parts[3] != c.Region || parts[4] != Account || !strings.HasPrefix(parts[5], "certificate/") {
		return nil, Errorf("InvalidArnException", "The ARN %s is not a valid certificate ARN in this account and region.", arn)
	}
	cert, ok := s.regionNamed(c.Region).Certificates[arn]
	if !ok {
		return nil, Errorf("ResourceNotFoundException", "Could not find certificate %s.", arn)
	}
	return cert, nil
}

// checkDomainName applies ACM's domain pattern: an optional "*." and at least two labels of
// letters, digits and inner hyphens, each at most 63 characters, 253 in all.
func checkDomainName(field, name string) error {
	labels := strings.Split(strings.TrimPrefix(name, "*."), ".")
	ok := len(name) >= 1 && len(name) <= 253 && len(labels) >= 2
	for _, l := range labels {
		ok = ok && len(l) >= 1 && len(l) <= 63 && l[0] != '-' && l[len(l)-1] != '-' &&
			strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == ""
	}
	if !ok {
		return acmValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(\\*\\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$", name, field)
	}
	return nil
}

var acmTokenRE = regexp.MustCompile(`^\w{1,32}$`)

func (s *acmState) requestCertificate(c *Call) (any, error) {
	var in struct {
		DomainName              string   `json:"DomainName"`
		SubjectAlternativeNames []string `json:"SubjectAlternativeNames"`
		ValidationMethod        string   `json:"ValidationMethod"`
		IdempotencyToken        string   `json:"IdempotencyToken"`
		KeyAlgorithm            string   `json:"KeyAlgorithm"`
		CertificateAuthorityArn string   `json:"CertificateAuthorityArn"`
		Tags                    []acmTag `json:"Tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.DomainName == "" {
		return nil, acmValidation("1 validation error detected: Value null at 'domainName' failed to satisfy constraint: Member must not be null")
	}
	if err := checkDomainName("domainName", in.DomainName); err != nil {
		return nil, err
	}
	if len(in.SubjectAlternativeNames) > 100 {
		return nil, acmValidation("1 validation error detected: Value at 'subjectAlternativeNames' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	for _, san := range in.SubjectAlternativeNames {
		if err := checkDomainName("subjectAlternativeNames.member", san); err != nil {
			return nil, err
		}
	}
	switch in.ValidationMethod {
	case "":
		in.ValidationMethod = "EMAIL"
	case "DNS", "EMAIL":
	case "HTTP":
		return nil, acmValidation("HTTP validation is only available for certificates that CloudFront manages.")
	default:
		return nil, acmValidation("1 validation error detected: Value '%s' at 'validationMethod' failed to satisfy constraint: Member must satisfy enum value set: [EMAIL, DNS, HTTP]", in.ValidationMethod)
	}
	switch in.KeyAlgorithm {
	case "":
		in.KeyAlgorithm = "RSA_2048"
	case "RSA_2048", "EC_prime256v1", "EC_secp384r1":
	default:
		return nil, acmValidation("Key algorithm %s is not supported for certificate requests; use RSA_2048, EC_prime256v1 or EC_secp384r1.", in.KeyAlgorithm)
	}
	if in.CertificateAuthorityArn != "" {
		return nil, acmValidation("Private certificates (CertificateAuthorityArn) are not supported by the simulator.")
	}
	if in.IdempotencyToken != "" && !acmTokenRE.MatchString(in.IdempotencyToken) {
		return nil, acmValidation("1 validation error detected: Value '%s' at 'idempotencyToken' failed to satisfy constraint: Member must satisfy regular expression pattern: \\w+", in.IdempotencyToken)
	}
	tags, err := acmTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	r := s.regionNamed(c.Region)
	if tok, ok := r.Tokens[in.IdempotencyToken]; ok && c.Now.Before(tok.At.Add(time.Hour)) {
		if _, live := r.Certificates[tok.ARN]; live {
			return map[string]any{"CertificateArn": tok.ARN}, nil
		}
	}
	sans := []string{in.DomainName}
	for _, san := range in.SubjectAlternativeNames {
		if !slices.Contains(sans, san) {
			sans = append(sans, san)
		}
	}
	cert := &acmCertificate{
		ARN:  ARN("acm", c.Region, "certificate/"+newRequestID()),
		Type: "AMAZON_ISSUED", DomainName: in.DomainName, SANs: sans, ValidationMethod: in.ValidationMethod,
		KeyAlgorithm: in.KeyAlgorithm, CreatedAt: c.Now, Subject: "CN=" + in.DomainName, Issuer: "Amazon",
	}
	if in.ValidationMethod == "DNS" {
		cert.IssuedAt = c.Now.Add(c.Delay(LatencyACMValidation))
		cert.NotBefore, cert.NotAfter = cert.IssuedAt, cert.IssuedAt.Add(395*24*time.Hour)
		cert.Serial = acmSerial(cert.ARN)
	}
	if len(tags) > 0 {
		cert.Tags = tags
	}
	r.Certificates[cert.ARN] = cert
	if in.IdempotencyToken != "" {
		r.Tokens[in.IdempotencyToken] = acmToken{ARN: cert.ARN, At: c.Now}
	}
	return map[string]any{"CertificateArn": cert.ARN}, nil
}

// acmSerial is a stable serial number in ACM's colon-separated form.
func acmSerial(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	var parts []string
	for _, b := range sum[:16] {
		parts = append(parts, hex.EncodeToString([]byte{b}))
	}
	return strings.Join(parts, ":")
}

func (s *acmState) importCertificate(c *Call) (any, error) {
	var in struct {
		CertificateArn   string   `json:"CertificateArn"`
		Certificate      []byte   `json:"Certificate"`
		PrivateKey       []byte   `json:"PrivateKey"`
		CertificateChain []byte   `json:"CertificateChain"`
		Tags             []acmTag `json:"Tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if len(in.Certificate) == 0 {
		return nil, acmValidation("1 validation error detected: Value null at 'certificate' failed to satisfy constraint: Member must not be null")
	}
	if len(in.PrivateKey) == 0 {
		return nil, acmValidation("1 validation error detected: Value null at 'privateKey' failed to satisfy constraint: Member must not be null")
	}
	block, _ := pem.Decode(in.Certificate)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, acmValidation("Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	if key, _ := pem.Decode(in.PrivateKey); key == nil || !strings.HasSuffix(key.Type, "PRIVATE KEY") {
		return nil, acmValidation("Unable to parse key; the key must be unencrypted and in PEM format.")
	}
	if len(in.PrivateKey) > 5120 {
		return nil, acmValidation("The private key must be no larger than 5 KB (5,120 bytes).")
	}
	tags, err := acmTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	cert := &acmCertificate{Type: "IMPORTED", KeyAlgorithm: "RSA_2048", CreatedAt: c.Now}
	if in.CertificateArn != "" {
		old, err := s.certificate(c, in.CertificateArn)
		if err != nil {
			return nil, err
		}
		if old.Type != "IMPORTED" {
			return nil, acmValidation("Certificate %s was not imported; only imported certificates can be reimported.", old.ARN)
		}
		if len(tags) > 0 {
			return nil, acmValidation("Tags cannot be specified when a certificate is reimported.")
		}
		cert.ARN, cert.CreatedAt, cert.Tags = old.ARN, old.CreatedAt, old.Tags
	} else {
		cert.ARN = ARN("acm", c.Region, "certificate/"+newRequestID())
		if len(tags) > 0 {
			cert.Tags = tags
		}
	}
	cert.ImportedAt, cert.IssuedAt = c.Now, c.Now
	cert.Serial = acmSerial(string(block.Bytes))
	// A real certificate tells its names and dates; a placeholder body is accepted as it is.
	if x, err := x509.ParseCertificate(block.Bytes); err == nil {
		cert.DomainName = x.Subject.CommonName
		if cert.DomainName == "" && len(x.DNSNames) > 0 {
			cert.DomainName = x.DNSNames[0]
		}
		cert.SANs = slices.Clone(x.DNSNames)
		cert.NotBefore, cert.NotAfter = x.NotBefore.UTC(), x.NotAfter.UTC()
		cert.Subject, cert.Issuer = x.Subject.String(), x.Issuer.String()
		switch pub := x.PublicKey.(type) {
		case *rsa.PublicKey:
			cert.KeyAlgorithm = fmt.Sprintf("RSA_%d", pub.N.BitLen())
		case *ecdsa.PublicKey:
			cert.KeyAlgorithm = "EC_" + map[string]string{"P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1"}[pub.Curve.Params().Name]
		}
	}
	s.regionNamed(c.Region).Certificates[cert.ARN] = cert
	return map[string]any{"CertificateArn": cert.ARN}, nil
}

type acmResourceRecord struct {
	Name  string `json:"Name"`
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

type acmDomainValidation struct {
	DomainName       string             `json:"DomainName"`
	ValidationDomain string             `json:"ValidationDomain,omitempty"`
	ValidationStatus string             `json:"ValidationStatus,omitempty"`
	ValidationMethod string             `json:"ValidationMethod,omitempty"`
	ResourceRecord   *acmResourceRecord `json:"ResourceRecord,omitempty"`
}

// validationRecord is the CNAME ACM asks to be created for a domain: derived from the
// certificate and the domain, so it is the same on every Describe.
func validationRecord(arn, domain string) *acmResourceRecord {
	base := strings.TrimPrefix(domain, "*.")
	name := sha256.Sum256([]byte(arn + "/" + base))
	value := sha256.Sum256([]byte(base + "/" + arn))
	return &acmResourceRecord{
		Name:  "_" + hex.EncodeToString(name[:16]) + "." + base + ".",
		Type:  "CNAME",
		Value: "_" + hex.EncodeToString(value[:16]) + "." + hex.EncodeToString(value[16:21]) + ".acm-validations.aws.",
	}
}

func (s *acmState) detail(region string, cert *acmCertificate, now time.Time) map[string]any {
	status := cert.status(now)
	out := map[string]any{
		"CertificateArn": cert.ARN, "Status": status, "Type": cert.Type, "KeyAlgorithm": cert.KeyAlgorithm,
		"CreatedAt": EpochSeconds(cert.CreatedAt), "InUseBy": nonNil(s.inUseBy(region, cert.ARN)),
		"RenewalEligibility": "INELIGIBLE", "SubjectAlternativeNames": nonNil(cert.SANs),
		"Options": map[string]string{"CertificateTransparencyLoggingPreference": "ENABLED", "Export": "DISABLED"},
	}
	if cert.DomainName != "" {
		out["DomainName"] = cert.DomainName
	}
	for k, v := range map[string]string{"Subject": cert.Subject, "Issuer": cert.Issuer} {
		if v != "" && status == "ISSUED" {
			out[k] = v
		}
	}
	if status == "ISSUED" {
		out["Serial"] = cert.Serial
		out["SignatureAlgorithm"] = "SHA256WITHRSA"
		if !cert.NotBefore.IsZero() {
			out["NotBefore"], out["NotAfter"] = EpochSeconds(cert.NotBefore), EpochSeconds(cert.NotAfter)
		}
	}
	switch cert.Type {
	case "IMPORTED":
		out["ImportedAt"] = EpochSeconds(cert.ImportedAt)
	case "AMAZON_ISSUED":
		if status == "ISSUED" {
			out["IssuedAt"] = EpochSeconds(cert.IssuedAt)
		}
		validation := "PENDING_VALIDATION"
		if status == "ISSUED" {
			validation = "SUCCESS"
		}
		var dvs []acmDomainValidation
		for _, d := range cert.SANs {
			dv := acmDomainValidation{DomainName: d, ValidationDomain: d, ValidationStatus: validation, ValidationMethod: cert.ValidationMethod}
			if cert.ValidationMethod == "DNS" {
				dv.ResourceRecord = validationRecord(cert.ARN, d)
			}
			dvs = append(dvs, dv)
		}
		out["DomainValidationOptions"] = dvs
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type acmARNInput struct {
	CertificateArn string `json:"CertificateArn"`
}

func (s *acmState) describeCertificate(c *Call) (any, error) {
	var in acmARNInput
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cert, err := s.certificate(c, in.CertificateArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Certificate": s.detail(c.Region, cert, c.Now)}, nil
}

var acmStatuses = []string{"PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED", "FAILED"}

// listCertificates filters by status and key type: without Includes.keyTypes only RSA_1024
// and RSA_2048 certificates are listed, as on AWS.
func (s *acmState) listCertificates(c *Call) (any, error) {
	var in struct {
		CertificateStatuses []string `json:"CertificateStatuses"`
		Includes            *struct {
			KeyTypes []string `json:"keyTypes"`
		} `json:"Includes"`
		MaxItems  *int   `json:"MaxItems"`
		NextToken string `json:"NextToken"`
		SortBy    string `json:"SortBy"`
		SortOrder string `json:"SortOrder"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	for _, st := range in.CertificateStatuses {
		if !slices.Contains(acmStatuses, st) {
			return nil, acmValidation("1 validation error detected: Value '[%s]' at 'certificateStatuses' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [%s]]",
				st, strings.Join(acmStatuses, ", "))
		}
	}
	if in.SortBy != "" && in.SortBy != "CREATED_AT" {
		return nil, acmValidation("1 validation error detected: Value '%s' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [CREATED_AT]", in.SortBy)
	}
	if in.SortOrder != "" && in.SortOrder != "ASCENDING" && in.SortOrder != "DESCENDING" {
		return nil, acmValidation("1 validation error detected: Value '%s' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [ASCENDING, DESCENDING]", in.SortOrder)
	}
	maxItems := 0
	if in.MaxItems != nil {
		if *in.MaxItems < 1 || *in.MaxItems > 1000 {
			return nil, acmValidation("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", *in.MaxItems)
		}
		maxItems = *in.MaxItems
	}
	keyTypes := []string{"RSA_1024", "RSA_2048"}
	if in.Includes != nil && len(in.Includes.KeyTypes) > 0 {
		keyTypes = in.Includes.KeyTypes
	}
	r := s.regionNamed(c.Region)
	var certs []*acmCertificate
	for _, cert := range r.Certificates {
		if slices.Contains(keyTypes, cert.KeyAlgorithm) &&
			(len(in.CertificateStatuses) == 0 || slices.Contains(in.CertificateStatuses, cert.status(c.Now))) {
			certs = append(certs, cert)
		}
	}
	slices.SortFunc(certs, func(a, b *acmCertificate) int {
		if n := a.CreatedAt.Compare(b.CreatedAt); n != 0 {
			return n
		}
		return strings.Compare(a.ARN, b.ARN)
	})
	if in.SortOrder == "DESCENDING" {
		slices.Reverse(certs)
	}
	page, next, err := Paginate(certs, in.NextToken, maxItems, c.Sim().PageSize())
	if err != nil {
		return nil, Errorf("InvalidArgsException", "The NextToken %s is not valid.", in.NextToken)
	}
	summaries := []map[string]any{}
	for _, cert := range page {
		status := cert.status(c.Now)
		sum := map[string]any{
			"CertificateArn": cert.ARN, "Status": status, "Type": cert.Type, "KeyAlgorithm": cert.KeyAlgorithm,
			"SubjectAlternativeNameSummaries": nonNil(cert.SANs), "HasAdditionalSubjectAlternativeNames": false,
			"InUse": len(s.inUseBy(c.Region, cert.ARN)) > 0, "Exported": false, "ExportOption": "DISABLED",
			"RenewalEligibility": "INELIGIBLE", "CreatedAt": EpochSeconds(cert.CreatedAt),
		}
		if cert.DomainName != "" {
			sum["DomainName"] = cert.DomainName
		}
		if cert.Type == "IMPORTED" {
			sum["ImportedAt"] = EpochSeconds(cert.ImportedAt)
		} else if status == "ISSUED" {
			sum["IssuedAt"] = EpochSeconds(cert.IssuedAt)
		}
		summaries = append(summaries, sum)
	}
	out := map[string]any{"CertificateSummaryList": summaries}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (s *acmState) deleteCertificate(c *Call) (any, error) {
	var in acmARNInput
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cert, err := s.certificate(c, in.CertificateArn)
	if err != nil {
		return nil, err
	}
	if len(s.inUseBy(c.Region, cert.ARN)) > 0 {
		return nil, Errorf("ResourceInUseException", "Certificate %s in account %s is in use.", cert.ARN, Account)
	}
	delete(s.regionNamed(c.Region).Certificates, cert.ARN)
	return struct{}{}, nil
}

type acmTagsInput struct {
	CertificateArn string   `json:"CertificateArn"`
	Tags           []acmTag `json:"Tags"`
}

func (in acmTagsInput) check() error {
	if len(in.Tags) == 0 {
		return acmValidation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	if len(in.Tags) > 50 {
		return acmValidation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	return nil
}

func (s *acmState) addTagsToCertificate(c *Call) (any, error) {
	var in acmTagsInput
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cert, err := s.certificate(c, in.CertificateArn)
	if err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	tags, err := acmTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	merged, ok := mergeTags(cert.Tags, tags, 50)
	if !ok {
		return nil, Errorf("TooManyTagsException", "the TagSet for the certificate %s contains more than 50 tags.", cert.ARN)
	}
	cert.Tags = merged
	return struct{}{}, nil
}

// removeTagsFromCertificate removes each key; a tag given with a value is removed only
// when the value matches.
func (s *acmState) removeTagsFromCertificate(c *Call) (any, error) {
	var in acmTagsInput
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cert, err := s.certificate(c, in.CertificateArn)
	if err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		if cur, ok := cert.Tags[t.Key]; ok && (t.Value == nil || *t.Value == cur) {
			delete(cert.Tags, t.Key)
		}
	}
	if len(cert.Tags) == 0 {
		cert.Tags = nil
	}
	return struct{}{}, nil
}

func (s *acmState) listTagsForCertificate(c *Call) (any, error) {
	var in acmARNInput
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	cert, err := s.certificate(c, in.CertificateArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Tags": acmTagList(cert.Tags)}, nil
}
