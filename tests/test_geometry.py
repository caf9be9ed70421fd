"""motion_smd.geometry: the one facing definition and the turn about the vertical."""

from __future__ import annotations

import numpy as np
import pytest

from motion_smd import synthetic
from motion_smd.geometry import across_vector, face_z, facing_yaw_rad


def test_facing_of_a_canonical_motion_is_plus_z() -> None:
    j = synthetic.walk_forward().joints
    assert facing_yaw_rad(j[0]) == pytest.approx(0.0, abs=1e-9)
    assert across_vector(j[0])[0] < 0  # the right hip lies at −X in the canonical frame


@pytest.mark.parametrize("yaw_deg", [30.0, -120.0, 179.0])
def test_face_z_undoes_a_turn(yaw_deg: float) -> None:
    j = synthetic.standing().joints[0]
    a = np.radians(yaw_deg)  # turn the body toward +X by yaw (left), then measure and undo it
    x, z = np.cos(a) * j[:, 0] + np.sin(a) * j[:, 2], -np.sin(a) * j[:, 0] + np.cos(a) * j[:, 2]
    turned = np.stack([x, j[:, 1], z], axis=-1)
    assert np.degrees(facing_yaw_rad(turned)) == pytest.approx(yaw_deg, abs=1e-6)
    back_x, back_z = face_z(turned[:, 0], turned[:, 2], float(facing_yaw_rad(turned)))
    np.testing.assert_allclose(back_x, j[:, 0], atol=1e-9)
    np.testing.assert_allclose(back_z, j[:, 2], atol=1e-9)
