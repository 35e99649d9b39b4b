namespace Ethox.Layer.Tcp;

/// <summary>Which rule of RFC 6675 §4 NextSeg() chose the segment <see cref="SackScoreboard.NextSegment"/> returned.</summary>
public enum NextSegmentRule : byte
{
    /// <summary>Nothing may be sent: no rule applies.</summary>
    None = 0,
    /// <summary>Rule 1: the first unSACKed segment above HighRxt that IsLost() says is lost; a retransmission.</summary>
    Lost = 1,
    /// <summary>Rule 2: new data from SND.NXT (if the caller has any and the peer's window allows).</summary>
    NewData = 2,
    /// <summary>Rule 3: the first unSACKed segment above HighRxt below the highest SACKed byte, not yet deemed lost; a retransmission.</summary>
    Unsacked = 3,
    /// <summary>Rule 4: the one rescue retransmission per recovery, of the highest unSACKed data. HighRxt must not be advanced for it.</summary>
    Rescue = 4,
}
