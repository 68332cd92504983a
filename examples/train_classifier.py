"""Trains a small text classifier with mixed precision: a typical script with several
numerical hazards that NaN Guard flags."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Classifier(nn.Module):
    def __init__(self, vocab_size, hidden, classes):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, hidden)
        # A deep stack of saturating activations with no normalisation in between.
        self.body = nn.Sequential(
            nn.Linear(hidden, hidden),
            nn.Sigmoid(),
            nn.Linear(hidden, hidden),
            nn.Sigmoid(),
            nn.Linear(hidden, hidden),
            nn.Tanh(),
            nn.Linear(hidden, hidden),
            nn.Tanh(),
        )
        self.head = nn.Linear(hidden, classes)
        nn.init.normal_(self.head.weight, std=1.0)

    def forward(self, tokens, mask):
        x = self.embed(tokens)
        scores = x @ x.transpose(-1, -2) / x.shape[-1] ** 0.5
        # -1e9 does not fit in float16 (max 65504) once autocast runs this in half precision.
        scores = scores.masked_fill(mask == 0, -1e9)
        weights = torch.exp(scores) / torch.exp(scores).sum(dim=-1, keepdim=True)
        x = (weights @ x).mean(dim=1)
        x = (x - x.mean(dim=0)) / x.std(dim=0)
        return self.head(self.body(x))


def cross_entropy(logits, targets):
    probs = F.softmax(logits, dim=-1)
    picked = probs.gather(1, targets.unsqueeze(1))
    return -torch.log(picked).mean()


def log_probabilities(logits):
    return torch.log(torch.softmax(logits, dim=-1))


def train(model, loader, epochs=3):
    optimizer = torch.optim.Adam(model.parameters(), lr=1.0)
    for _ in range(epochs):
        for tokens, mask, targets in loader:
            optimizer.zero_grad()
            with torch.autocast("cuda", dtype=torch.float16):
                logits = model(tokens, mask)
                loss = cross_entropy(logits, targets)
            if loss == float("nan"):
                continue
            loss.backward()
            optimizer.step()


def binary_loss(logits, labels):
    probs = torch.sigmoid(logits)
    return nn.BCELoss()(probs, labels)


def cosine_angle(a, b):
    cos = (a * b).sum() / (a.norm() * b.norm())
    return torch.acos(cos)
