# Orthanc + DICOMweb: the PACS of the local stack. Config rendered from infra/orthanc/orthanc.json.template; storage and
# index under <state>/orthanc.
start_orthanc() {
  if live_pid orthanc Orthanc >/dev/null; then
    say "orthanc: already running"
    return 0
  fi
  command -v Orthanc >/dev/null || die "orthanc: the Orthanc server is missing (apt-get install orthanc orthanc-dicomweb)"
  export ORTHANC_DICOMWEB_PLUGIN="${ORTHANC_DICOMWEB_PLUGIN:-/usr/share/orthanc/plugins/libOrthancDicomWeb.so}"
  [ -f "$ORTHANC_DICOMWEB_PLUGIN" ] || die "orthanc: DICOMweb plugin not found at $ORTHANC_DICOMWEB_PLUGIN (apt-get install orthanc-dicomweb)"
  require_free_port orthanc "$MIC_ORTHANC_HTTP_PORT"
  require_free_port orthanc "$MIC_ORTHANC_DICOM_PORT"
  export ORTHANC_STORAGE="$MIC_STATE_DIR/orthanc/db"
  mkdir -p "$ORTHANC_STORAGE"
  render "$INFRA_DIR/orthanc/orthanc.json.template" "$MIC_STATE_DIR/orthanc/orthanc.json"
  start_bg orthanc Orthanc "$MIC_STATE_DIR/orthanc/orthanc.json"
  say "orthanc: started (http $MIC_ORTHANC_HOST:$MIC_ORTHANC_HTTP_PORT, dicom $MIC_ORTHANC_AE_TITLE@$MIC_ORTHANC_DICOM_PORT)"
}

stop_orthanc() { stop_bg orthanc Orthanc; }
