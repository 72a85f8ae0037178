package cicd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

// SecretReader reads one key of a Secret. The stage only ever passes the FlaskDeployment's
// own namespace, so a spec cannot reach another tenant's Secrets.
type SecretReader func(ctx context.Context, namespace, name, key string) (string, error)

// ErrSecretKeyNotFound is a SecretReader's answer for a Secret without the key.
var ErrSecretKeyNotFound = errors.New("no such key in the Secret")

// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// SecretKeyReader reads Secrets through r, which should be the manager's API reader
// (mgr.GetAPIReader()): uncached, so the manager neither watches nor keeps every Secret
// of the cluster, and needs only get on them.
func SecretKeyReader(r client.Reader) SecretReader {
	return func(ctx context.Context, namespace, name, key string) (string, error) {
		var s corev1.Secret
		if err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &s); err != nil {
			return "", err
		}
		v, ok := s.Data[key]
		if !ok {
			return "", fmt.Errorf("Secret %s/%s has no key %q: %w", namespace, name, key, ErrSecretKeyNotFound)
		}
		return string(v), nil
	}
}

// oauthToken reads the GitHub token of a version 1 source from spec.pipeline.source's
// Secret. Neither the token nor anything derived from it but a salted digest goes to
// status, events or logs.
func (p *pass) oauthToken(ctx context.Context) (string, error) {
	ref := p.fd.Spec.Pipeline.Source.OAuthTokenSecretRef
	key := ref.Key
	tok, err := p.secrets(ctx, p.fd.Namespace, ref.Name, key)
	switch {
	case apierrors.IsNotFound(err) || errors.Is(err, ErrSecretKeyNotFound):
		return "", stage.Terminalf(v1alpha1.ReasonSecretNotFound,
			"the GitHub token for the pipeline's source is key %q of Secret %s/%s, which does not exist", key, p.fd.Namespace, ref.Name)
	case apierrors.IsForbidden(err):
		return "", stage.Terminalf(v1alpha1.ReasonSecretNotAllowed,
			"the operator may not read Secret %s/%s holding the pipeline's GitHub token", p.fd.Namespace, ref.Name)
	case err != nil:
		return "", fmt.Errorf("read the GitHub token from Secret %s/%s: %w", p.fd.Namespace, ref.Name, err)
	}
	// A token written with `echo` into a file ends in a newline GitHub does not take.
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return "", stage.Terminalf(v1alpha1.ReasonSecretNotFound, "key %q of Secret %s/%s, the pipeline's GitHub token, is empty", key, p.fd.Namespace, ref.Name)
	}
	return tok, nil
}

// tokenDigest tells one token from another without revealing it: salted with the
// object's UID, so that equal tokens of two objects do not show as equal.
func (p *pass) tokenDigest(token string) string {
	sum := sha256.Sum256([]byte(string(p.fd.UID) + "\x00" + token))
	return hex.EncodeToString(sum[:16])
}
