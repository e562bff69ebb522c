{{- define "mic.labels" -}}
app.kubernetes.io/name: mic
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
