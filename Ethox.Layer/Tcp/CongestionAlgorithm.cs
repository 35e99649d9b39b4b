namespace Ethox.Layer.Tcp;

/// <summary>The congestion control of a connection, chosen per connection (<see cref="CongestionControl"/>).</summary>
public enum CongestionAlgorithm : byte
{
    /// <summary>Reno with NewReno recovery: RFC 5681 with appropriate byte counting (RFC 3465) and RFC 6582.</summary>
    NewReno,
    /// <summary>CUBIC (RFC 9438), with RFC 5681 slow start.</summary>
    Cubic,
}
