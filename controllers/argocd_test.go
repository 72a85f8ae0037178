package controllers_test

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// argoHealth is the Argo CD health config/argocd/health.lua gives obj.
func argoHealth(g Gomega, obj map[string]any) (status, message string) {
	status, message, err := testenv.ArgoHealth(obj)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(status).To(BeElementOf("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"))
	return status, message
}

// liveHealth is the Argo CD health of the object as the API server holds it now.
func liveHealth(g Gomega, fd *v1alpha1.FlaskDeployment) (string, string) {
	cur := &v1alpha1.FlaskDeployment{}
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(fd), cur)).To(Succeed())
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(cur)
	g.Expect(err).NotTo(HaveOccurred())
	return argoHealth(g, obj)
}

func haveHealth(status, message string) func(Gomega, *v1alpha1.FlaskDeployment) {
	return func(g Gomega, fd *v1alpha1.FlaskDeployment) {
		s, m := liveHealth(g, fd)
		g.Expect(s).To(Equal(status))
		g.Expect(m).To(ContainSubstring(message))
	}
}

var _ = Describe("Argo CD health (config/argocd/health.lua)", func() {
	eventually := func(fd *v1alpha1.FlaskDeployment, check func(Gomega, *v1alpha1.FlaskDeployment)) {
		GinkgoHelper()
		Eventually(func(g Gomega) { check(g, fd) }, timeout, poll).Should(Succeed())
	}

	It("is Progressing before the operator wrote any status", func() {
		s, m := argoHealth(Default, map[string]any{
			"apiVersion": "deploy.flaskops.io/v1alpha1", "kind": "FlaskDeployment",
			"metadata": map[string]any{"name": "shop", "generation": int64(1)},
		})
		Expect(s).To(Equal("Progressing"))
		Expect(m).To(ContainSubstring("generation 1"))
	})

	It("is Progressing while converging and Healthy when Ready", func() {
		fd := newFD(map[string]string{annotationPrefix + "alpha": "waiting"})
		eventually(fd, haveHealth("Progressing", "waiting for thing-alpha (pending)"))
		setAnnotation(fd, annotationPrefix+"alpha", "ready")
		eventually(fd, haveHealth("Healthy", "all stages are ready"))
	})

	It("is Progressing while a new generation is not evaluated yet", func() {
		fd := newFD(nil)
		waitReady(fd)
		changeSpec(fd, map[string]string{annotationPrefix + "alpha": "transient-6"})
		eventually(fd, haveHealth("Progressing", "Waiting for the operator to act on generation 2: "))
		eventually(fd, haveHealth("Healthy", ""))
	})

	It("is Degraded when Stalled, with the AWS message", func() {
		fd := newFD(map[string]string{annotationPrefix + "alpha": "terminal"})
		eventually(fd, haveHealth("Degraded", "InvalidParameterValue: bad CIDR"))
	})

	It("is Suspended when spec.suspend has been carried out", func() {
		fd := newFD(nil)
		waitReady(fd)
		cur := get(fd)
		patch := client.MergeFrom(cur.DeepCopy())
		cur.Spec.Suspend = true
		Expect(env.Client.Patch(ctx, cur, patch)).To(Succeed())
		eventually(fd, haveHealth("Suspended", "spec.suspend"))
	})

	It("is Suspended while paused, whatever the conditions say", func() {
		fd := newFD(map[string]string{annotationPrefix + "alpha": "terminal"})
		Eventually(func() bool {
			return meta.IsStatusConditionTrue(get(fd).Status.Conditions, v1alpha1.ConditionStalled)
		}, timeout, poll).Should(BeTrue())
		setAnnotation(fd, v1alpha1.AnnotationPaused, "true")
		eventually(fd, haveHealth("Suspended", "flaskops.io/paused"))
	})
})
