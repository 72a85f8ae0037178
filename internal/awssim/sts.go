package awssim

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

func init() { register(newSTS) }

// stsState is empty: STS hands out identities and credentials but keeps nothing.
type stsState struct{}

func (*stsState) Reset()                    {}
func (*stsState) Live(time.Time) []Resource { return nil }

func newSTS(*Sim) *Service {
	return &Service{
		Name:     "sts",
		Protocol: AWSQuery,
		XMLNS:    "https://sts.amazonaws.com/doc/2011-06-15/",
		State:    &stsState{},
		Ops: map[string]Op{
			"GetCallerIdentity": stsGetCallerIdentity,
			"AssumeRole":        stsAssumeRole,
		},
	}
}

type getCallerIdentityResult struct {
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
}

func stsGetCallerIdentity(*Call) (any, error) {
	return getCallerIdentityResult{
		Account: Account,
		Arn:     CallerARN,
		UserID:  "AIDAAWSSIMEXAMPLE0001",
	}, nil
}

type assumeRoleResult struct {
	AccessKeyID     string    `xml:"Credentials>AccessKeyId"`
	SecretAccessKey string    `xml:"Credentials>SecretAccessKey"`
	SessionToken    string    `xml:"Credentials>SessionToken"`
	Expiration      Timestamp `xml:"Credentials>Expiration"`
	AssumedRoleID   string    `xml:"AssumedRoleUser>AssumedRoleId"`
	AssumedRoleArn  string    `xml:"AssumedRoleUser>Arn"`
}

func stsAssumeRole(c *Call) (any, error) {
	roleArn, session := c.Params.String("RoleArn"), c.Params.String("RoleSessionName")
	if roleArn == "" || session == "" {
		return nil, Errorf("ValidationError", "RoleArn and RoleSessionName are required")
	}
	_, roleName, ok := strings.Cut(roleArn, ":role/")
	if !ok {
		return nil, Errorf("ValidationError", "%s is not a valid role ARN", roleArn)
	}
	duration := time.Hour
	if secs, ok, err := c.Params.Int("DurationSeconds"); err != nil {
		return nil, err
	} else if ok {
		duration = time.Duration(secs) * time.Second
	}
	roleID := "AROAAWSSIM" + strings.ToUpper(randomHex(6))
	return assumeRoleResult{
		AccessKeyID:     "ASIA" + strings.ToUpper(randomHex(8)),
		SecretAccessKey: randomHex(20),
		SessionToken:    "awssim-" + randomHex(32),
		Expiration:      Timestamp(c.Now.Add(duration)),
		AssumedRoleID:   roleID + ":" + session,
		AssumedRoleArn:  "arn:aws:sts::" + Account + ":assumed-role/" + roleName + "/" + session,
	}, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
