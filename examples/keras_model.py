"""A Keras model trained with a custom loop."""

import tensorflow as tf


def build():
    inputs = tf.keras.Input(shape=(32,))
    hidden = tf.keras.layers.Dense(64, activation="relu")(inputs)
    logits = tf.keras.layers.Dense(10)(hidden)
    return tf.keras.Model(inputs, logits)


model = build()
# The model outputs raw logits, yet the loss is told they are probabilities.
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False)
optimizer = tf.keras.optimizers.Adam(learning_rate=0.5)


def manual_softmax(logits):
    return tf.exp(logits) / tf.reduce_sum(tf.exp(logits), axis=-1, keepdims=True)


def softplus(x):
    return tf.math.log(1 + tf.exp(x))


@tf.function
def train_step(features, labels):
    with tf.GradientTape() as tape:
        logits = model(features, training=True)
        loss = loss_fn(labels, logits)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss
