#!/usr/bin/env bash
# Issues the certificates of mutual TLS between silos and data planes (deployment.certs), with openssl:
#
#   scripts/certs.sh ca DIR                                  a CA: DIR/ca.pem (give to every node), DIR/ca.key (keep it offline)
#   scripts/certs.sh silo DIR NAME [ADDRESS ...]             DIR/NAME.pem + DIR/NAME.key, SAN URI og-role:silo
#   scripts/certs.sh dataplane DIR NAME GROUP [GROUP ...]    DIR/NAME.pem + DIR/NAME.key, SAN URI og-group:GROUP for each group
#   scripts/certs.sh compose DIR                             what docker/docker-compose.yaml mounts: the CA, silo1-3, dp1-2
#
# ADDRESS is an IP or DNS name the silo is reached on (recorded in the certificate; peers trust the CA and the role
# URI, not names). Keys are EC P-256, unencrypted, mode 600. DAYS (default 365) sets the validity; an existing file is
# never overwritten (rotate by issuing under a new NAME, or delete the old files first). In compose mode the keys are
# readable by all (the containers run as another user than the one issuing them) and the folder by its owner only.
set -euo pipefail

usage() { sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
command -v openssl >/dev/null || { echo "certs.sh: openssl is needed (apt-get install openssl)" >&2; exit 1; }
kind=$1 dir=$2
shift 2
days=${DAYS:-365}
umask 077
mkdir -p "$dir"

refuse_existing() {
  for f in "$@"; do
    [ ! -e "$f" ] || { echo "certs.sh: $f exists; not overwriting it" >&2; exit 1; }
  done
}

valid_name() {
  [[ $1 =~ ^[A-Za-z0-9._-]{1,64}$ ]] || { echo "certs.sh: '$1' is not a valid $2 (1-64 of A-Z a-z 0-9 . _ -)" >&2; exit 2; }
}

issue() { # NAME SUBJECT_CN SAN EKU
  local name=$1 cn=$2 san=$3 eku=$4
  [ -f "$dir/ca.pem" ] && [ -f "$dir/ca.key" ] || { echo "certs.sh: $dir/ca.pem and $dir/ca.key are needed: run 'certs.sh ca $dir' first" >&2; exit 1; }
  refuse_existing "$dir/$name.pem" "$dir/$name.key"
  ext=$(mktemp) csr="$dir/$name.csr"
  trap 'rm -f "$ext" "$csr"' EXIT
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=%s\nsubjectAltName=%s\n' "$eku" "$san" > "$ext"
  openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$dir/$name.key"
  openssl req -new -key "$dir/$name.key" -subj "/O=OrleansGateway/CN=$cn" -out "$csr" 2>/dev/null
  openssl x509 -req -in "$csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -CAserial "$dir/ca.srl" \
    -days "$days" -sha256 -extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
  chmod 600 "$dir/$name.key"
  chmod 644 "$dir/$name.pem"
  echo "certs.sh: $dir/$name.pem ($san), key $dir/$name.key, valid $days days"
}

case $kind in
  ca)
    [ $# -eq 0 ] || usage
    refuse_existing "$dir/ca.pem" "$dir/ca.key"
    openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$dir/ca.key"
    openssl req -x509 -new -key "$dir/ca.key" -subj "/O=OrleansGateway/CN=OrleansGateway CA" -days $((days * 5)) -sha256 \
      -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.pem"
    chmod 644 "$dir/ca.pem"
    echo "certs.sh: CA $dir/ca.pem (give it to every silo and data plane as trusted_ca_cert); keep $dir/ca.key off the nodes"
    ;;
  silo)
    [ $# -ge 1 ] || usage
    name=$1
    shift
    valid_name "$name" "silo name"
    san="URI:og-role:silo"
    for address in "$@"; do
      if [[ $address =~ ^[0-9.]+$ || $address == *:* ]]; then san="$san,IP:$address"; else san="$san,DNS:$address"; fi
    done
    issue "$name" "silo $name" "$san" "serverAuth,clientAuth"
    ;;
  dataplane)
    [ $# -ge 2 ] || usage
    name=$1
    shift
    valid_name "$name" "data-plane name"
    san=""
    for group in "$@"; do
      valid_name "$group" "gateway group id"
      san="${san:+$san,}URI:og-group:$group"
    done
    issue "$name" "data plane $name" "$san" "clientAuth"
    ;;
  compose)
    [ $# -eq 0 ] || usage
    [ -f "$dir/ca.pem" ] || "$0" ca "$dir"
    for i in 1 2 3; do
      [ -f "$dir/silo$i.pem" ] || "$0" silo "$dir" "silo$i" "172.30.57.1$i" "silo$i"
    done
    for j in 1 2; do
      [ -f "$dir/dp$j.pem" ] || "$0" dataplane "$dir" "dp$j" default
    done
    chmod 700 "$dir"
    chmod 644 "$dir"/silo?.key "$dir"/dp?.key
    ;;
  *) usage ;;
esac
