# Shared by garage-start and garage-cluster-start (sourced, not run).

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# s3_status ENDPOINT REGION KEY SECRET URL_SUFFIX -> HTTP status of a signed GET
s3_status() {
  curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:$2:s3" --user "$3:$4" \
    -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" "$1/$5" || true
}

# wait_bucket ENDPOINT REGION KEY SECRET BUCKET LOG PID...: until a signed list answers 200.
wait_bucket() {
  local endpoint=$1 region=$2 key=$3 secret=$4 bucket=$5 log=$6 code=""
  shift 6
  for _ in $(seq 1 150); do
    code=$(s3_status "$endpoint" "$region" "$key" "$secret" "$bucket?list-type=2")
    [ "$code" = 200 ] && return 0
    for pid in "$@"; do
      kill -0 "$pid" 2>/dev/null || { echo "garage (pid $pid) exited:" >&2; cat "$log" >&2; return 1; }
    done
    sleep 0.2
  done
  echo "garage did not become ready (last status $code)" >&2; cat "$log" >&2; return 1
}

# set_cors ENDPOINT REGION KEY SECRET BUCKET OUT: the contract's bucket CORS rule (any
# origin; GET/PUT/POST/DELETE; any header; ETag exposed).
set_cors() {
  local cors='<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3600</MaxAgeSeconds></CORSRule></CORSConfiguration>'
  local md5 code
  md5=$(printf '%s' "$cors" | openssl md5 -binary | base64)
  code=$(curl -s -o "$6" -w '%{http_code}' --aws-sigv4 "aws:amz:$2:s3" --user "$3:$4" \
    -X PUT -H "Content-MD5: $md5" -H "x-amz-content-sha256: $(printf '%s' "$cors" | sha256sum | cut -d' ' -f1)" \
    -H 'Content-Type: application/xml' --data-binary "$cors" "$1/$5?cors=")
  [ "$code" = 200 ] || { echo "could not set the bucket CORS rule (status $code)" >&2; cat "$6" >&2; return 1; }
}

# write_env FILE ENDPOINT BUCKET REGION KEY SECRET
write_env() {
  cat > "$1" <<ENV
export IDANCE_TEST_S3_ENDPOINT=$2
export IDANCE_TEST_S3_BUCKET=$3
export IDANCE_TEST_S3_REGION=$4
export IDANCE_TEST_S3_ACCESS_KEY=$5
export IDANCE_TEST_S3_SECRET_KEY=$6
ENV
}
