"""What WhatsApp and Instagram share: Meta's webhook handshake and signature."""

from adapters.meta.webhook import SIGNATURE_HEADER, answer_challenge, check_signature

__all__ = ["SIGNATURE_HEADER", "answer_challenge", "check_signature"]
