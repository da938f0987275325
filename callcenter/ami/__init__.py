"""The AMI bridge: Asterisk's event stream in, operators' actions out (panoramisk underneath)."""
